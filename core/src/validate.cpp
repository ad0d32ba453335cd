#include "internal/validate.h"

#include <cmath>

#include "session_rating/utf8.h"

namespace session_rating::internal {

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

const char* type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

bool as_int64(const json& v, int64_t& out) {
  if (v.is_number_integer() && !v.is_number_unsigned()) {
    out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_unsigned()) {
    uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

void ObjectReader::reject_unknown(std::initializer_list<const char*> allowed) {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    bool known = false;
    for (const char* a : allowed)
      if (it.key() == a) known = true;
    if (!known)
      add_error(errors_, path(it.key()), "unknown_field",
                "unknown field \"" + it.key() + "\" (check the spelling)");
  }
}

const json* ObjectReader::find(const char* key) const {
  auto it = obj_.find(key);
  return it == obj_.end() ? nullptr : &*it;
}

bool ObjectReader::read_bool(const char* key, bool& out) {
  const json* v = find(key);
  if (!v) return false;
  if (!v->is_boolean()) {
    add_error(errors_, path(key), "wrong_type",
              std::string("expected a boolean, got ") + type_name(*v));
    return false;
  }
  out = v->get<bool>();
  return true;
}

bool ObjectReader::read_int(const char* key, int64_t min, int64_t max, int64_t& out) {
  const json* v = find(key);
  if (!v) return false;
  int64_t n = 0;
  if (!v->is_number() || !as_int64(*v, n)) {
    add_error(errors_, path(key), "wrong_type",
              std::string("expected an integer, got ") +
                  (v->is_number() ? "a non-integer number" : type_name(*v)));
    return false;
  }
  if (n < min || n > max) {
    add_error(errors_, path(key), "out_of_range",
              "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  out = n;
  return true;
}

bool ObjectReader::read_number(const char* key, double min, double max, double& out) {
  const json* v = find(key);
  if (!v) return false;
  if (!v->is_number()) {
    add_error(errors_, path(key), "wrong_type",
              std::string("expected a number, got ") + type_name(*v));
    return false;
  }
  double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    add_error(errors_, path(key), "out_of_range",
              "must be between " + std::to_string(static_cast<int64_t>(min)) + " and " +
                  std::to_string(static_cast<int64_t>(max)));
    return false;
  }
  out = d;
  return true;
}

bool ObjectReader::read_string(const char* key, std::size_t min_len, std::size_t max_len,
                               std::string& out) {
  const json* v = find(key);
  if (!v) return false;
  if (!v->is_string()) {
    add_error(errors_, path(key), "wrong_type",
              std::string("expected a string, got ") + type_name(*v));
    return false;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (!is_valid_utf8(s)) {
    add_error(errors_, path(key), "invalid_value", "not valid UTF-8");
    return false;
  }
  std::size_t n = code_points(s);
  if (n < min_len || n > max_len) {
    add_error(errors_, path(key), "out_of_range",
              "length must be " + std::to_string(min_len) + " to " + std::to_string(max_len) +
                  " characters, got " + std::to_string(n));
    return false;
  }
  out = s;
  return true;
}

int ObjectReader::read_enum(const char* key, std::initializer_list<const char*> choices) {
  const json* v = find(key);
  if (!v) return -1;
  if (!v->is_string()) {
    add_error(errors_, path(key), "wrong_type",
              std::string("expected a string, got ") + type_name(*v));
    return -1;
  }
  const std::string& s = v->get_ref<const std::string&>();
  int i = 0;
  std::string list;
  for (const char* c : choices) {
    if (s == c) return i;
    list += (i ? ", \"" : "\"") + std::string(c) + "\"";
    ++i;
  }
  add_error(errors_, path(key), "invalid_value", "must be one of " + list);
  return -1;
}

}  // namespace session_rating::internal
