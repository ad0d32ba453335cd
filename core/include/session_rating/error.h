// session_rating/error.h — structured errors, the value every fallible core call returns.
//
// The core never throws (it is built with -fno-exceptions). A call that can fail returns a
// list of Error values; an empty list means success.
#pragma once

#include <string>
#include <vector>

namespace session_rating {

// One problem found in outside input.
struct Error {
  std::string path;     // JSON pointer into the input ("/comment/max_length"); "" = the whole input
  std::string code;     // stable machine code, e.g. "out_of_range" (see docs/contracts.md)
  std::string message;  // human-readable sentence; never contains comment text
};

// All problems found in one input (validation reports every problem at once).
using Errors = std::vector<Error>;

// Serialises errors as the contract's JSON array: [{"path","code","message"}, ...].
std::string errors_to_json(const Errors& errors);

}  // namespace session_rating
