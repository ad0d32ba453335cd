#include "internal/validate.h"

#include "internal/properties.h"

#include <cmath>
#include <cstring>

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

void add_type_error(Errors& errors, std::string path, const char* code, const char* prefix,
                    const json& value) {
  add_error(errors, std::move(path), code, std::string(prefix) + type_name(value));
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

void ObjectReader::error(std::string_view key, const char* code, std::string message) {
  add_error(errors_, path(key), code, std::move(message));
}

void ObjectReader::type_error(std::string_view key, const char* code, const char* prefix,
                              const json& value) {
  add_type_error(errors_, path(key), code, prefix, value);
}

namespace {

// "must be between MIN and MAX" (read_int and read_number: one copy of the text's code).
std::string between(int64_t min, int64_t max) {
  return "must be between " + int_text(min) + " and " + int_text(max);
}

}  // namespace

void ObjectReader::reject_unknown(const char* allowed) {
  for (auto it = obj_.begin(); it != obj_.end(); ++it) {
    bool known = false;
    for (const char* a = allowed; *a; a += std::strlen(a) + 1)
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
    type_error(key, "wrong_type", "expected a boolean, got ", *v);
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
    error(key, "wrong_type",
          std::string("expected an integer, got ") +
              (v->is_number() ? "a non-integer number" : type_name(*v)));
    return false;
  }
  if (n < min || n > max) {
    error(key, "out_of_range", between(min, max));
    return false;
  }
  out = n;
  return true;
}

bool ObjectReader::read_number(const char* key, double min, double max, double& out) {
  const json* v = find(key);
  if (!v) return false;
  if (!v->is_number()) {
    type_error(key, "wrong_type", "expected a number, got ", *v);
    return false;
  }
  double d = v->get<double>();
  if (!(d >= min && d <= max)) {
    error(key, "out_of_range", between(static_cast<int64_t>(min), static_cast<int64_t>(max)));
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
    type_error(key, "wrong_type", "expected a string, got ", *v);
    return false;
  }
  const std::string& s = v->get_ref<const std::string&>();
  if (!is_valid_utf8(s)) {
    error(key, "invalid_value", "not valid UTF-8");
    return false;
  }
  if (has_control_chars(s)) {
    error(key, "invalid_value", "control characters are not allowed");
    return false;
  }
  std::size_t n = code_points(s);
  if (n < min_len || n > max_len) {
    error(key, "out_of_range",
          "length must be " + internal::int_text(min_len) + " to " + internal::int_text(max_len) +
              " characters, got " + internal::int_text(n));
    return false;
  }
  out = s;
  return true;
}

int ObjectReader::read_enum(const char* key, const char* choices) {
  const json* v = find(key);
  if (!v) return -1;
  if (!v->is_string()) {
    type_error(key, "wrong_type", "expected a string, got ", *v);
    return -1;
  }
  const std::string& s = v->get_ref<const std::string&>();
  int i = 0;
  std::string list;
  for (const char* c = choices; *c; c += std::strlen(c) + 1) {
    if (s == c) return i;
    list += (i ? ", \"" : "\"") + std::string(c) + "\"";
    ++i;
  }
  error(key, "invalid_value", "must be one of " + list);
  return -1;
}

}  // namespace session_rating::internal

namespace session_rating::internal {

bool is_property_key(std::string_view key) {
  if (key.empty() || key.size() > 40) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

void read_properties(const json& value, const std::string& path, Errors& errors,
                     Properties& out) {
  out.clear();
  if (!value.is_object()) {
    add_type_error(errors, path, "wrong_type", "expected an object, got ", value);
    return;
  }
  if (value.size() > kMaxProperties) {
    add_error(errors, path, "out_of_range",
              "at most 20 properties, got " + internal::int_text(value.size()));
    return;
  }
  for (auto it = value.begin(); it != value.end(); ++it) {  // nlohmann objects are sorted
    const std::string& key = it.key();
    const std::string key_path = path + "/" + pointer_token(key);
    if (!is_property_key(key)) {
      add_error(errors, key_path, "invalid_value",
                "property keys are 1 to 40 characters of a-z 0-9 _");
      continue;
    }
    const json& v = it.value();
    PropertyValue pv;
    if (v.is_string()) {
      const std::string& s = v.get_ref<const std::string&>();
      if (!is_valid_utf8(s)) {
        add_error(errors, key_path, "invalid_utf8", "property value is not valid UTF-8");
        continue;
      }
      if (has_control_chars(s)) {
        add_error(errors, key_path, "invalid_value",
                  "control characters are not allowed");
        continue;
      }
      const std::size_t n = code_points(s);
      if (n < 1 || n > 200) {
        add_error(errors, key_path, "out_of_range",
                  "property strings are 1 to 200 characters, got " + internal::int_text(n));
        continue;
      }
      pv.kind = PropertyValue::Kind::String;
      pv.text = s;
    } else if (v.is_boolean()) {
      pv.kind = PropertyValue::Kind::Bool;
      pv.boolean = v.get<bool>();
    } else if (v.is_number()) {
      const double d = v.get<double>();
      std::string text;
      if (!append_short_number(text, d)) {
        add_error(errors, key_path, "out_of_range",
                  "property numbers are below 9e15 in size with at most 15 decimals");
        continue;
      }
      pv.kind = PropertyValue::Kind::Number;
      pv.number = d;
    } else {
      add_type_error(errors, key_path, "wrong_type",
                     "property values are a string, a number or a boolean, got ", v);
      continue;
    }
    out.emplace_back(key, std::move(pv));
  }
}

void write_properties(JsonWriter& w, const Properties& props) {
  w.begin_object();
  for (const auto& [key, v] : props) {
    w.key(key);
    switch (v.kind) {
      case PropertyValue::Kind::String: w.string(v.text); break;
      case PropertyValue::Kind::Number: w.number(v.number); break;
      case PropertyValue::Kind::Bool: w.boolean(v.boolean); break;
    }
  }
  w.end_object();
}

}  // namespace session_rating::internal
