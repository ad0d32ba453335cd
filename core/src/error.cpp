#include "session_rating/error.h"

#include "internal/json.h"

namespace session_rating {

std::string errors_to_json(const Errors& errors) {
  std::string out;
  internal::JsonWriter w(out);
  w.begin_array();
  for (const Error& e : errors) {
    w.begin_object();
    w.key("path"); w.string(e.path);
    w.key("code"); w.string(e.code);
    w.key("message"); w.string(e.message);
    w.end_object();
  }
  w.end_array();
  return out;
}

}  // namespace session_rating
