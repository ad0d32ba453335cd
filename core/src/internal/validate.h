// Internal: helpers that read typed fields out of a JSON object and record every problem
// as an Error with a JSON-pointer path. Used by config, context and record parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "internal/json.h"
#include "session_rating/error.h"

namespace session_rating::internal {

using nlohmann::json;

// Appends one error.
inline void add_error(Errors& errors, std::string path, const char* code, std::string message) {
  errors.push_back(Error{std::move(path), code, std::move(message)});
}

// Appends a type error: `prefix` (e.g. "expected a string, got ") + type_name(value). One
// out-of-line helper for the ~40 call sites (smaller WebAssembly, docs/wasm.md).
void add_type_error(Errors& errors, std::string path, const char* code, const char* prefix,
                    const json& value);

// Escapes a key for use in a JSON pointer (RFC 6901).
std::string pointer_token(std::string_view key);

// JSON type name for messages ("string", "number", ...).
const char* type_name(const json& v);

// Reads fields of one JSON object at `base` (a JSON pointer, "" for the root).
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string base, Errors& errors)
      : obj_(object), base_(std::move(base)), errors_(errors) {}

  // Name lists below are one literal of names each ended by '\0' ("id\0" "label\0"; the
  // literal's own NUL ends the list): one pointer per call site instead of an
  // initializer_list built on the stack (smaller WebAssembly, docs/wasm.md).

  // Reports every member not in `allowed` as unknown_field.
  void reject_unknown(const char* allowed);

  // Path of a member.
  std::string path(std::string_view key) const { return base_ + "/" + pointer_token(key); }

  // Appends an error (add_error) / a type error (add_type_error) at path(key). Out of line:
  // no path string built at each call site (smaller WebAssembly, docs/wasm.md).
  void error(std::string_view key, const char* code, std::string message);
  void type_error(std::string_view key, const char* code, const char* prefix, const json& value);

  // Member or nullptr when absent.
  const json* find(const char* key) const;

  // Each reader: absent → keeps `out`, returns false; wrong type → error, returns false.
  bool read_bool(const char* key, bool& out);
  bool read_int(const char* key, int64_t min, int64_t max, int64_t& out);
  bool read_number(const char* key, double min, double max, double& out);
  // String with a length limit in code points (and valid UTF-8).
  bool read_string(const char* key, std::size_t min_len, std::size_t max_len, std::string& out);
  // String that must be one of `choices`; returns the index or -1.
  int read_enum(const char* key, const char* choices);

  Errors& errors() { return errors_; }

 private:
  const json& obj_;
  std::string base_;
  Errors& errors_;
};

// True when `v` is an integer-valued JSON number (not bool), fitting in int64.
bool as_int64(const json& v, int64_t& out);

}  // namespace session_rating::internal
