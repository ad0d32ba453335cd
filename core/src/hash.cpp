// FNV-1a 64 (see hash.h).
#include "session_rating/hash.h"

namespace session_rating {

uint64_t fnv1a_64(std::string_view bytes, uint64_t state) {
  for (unsigned char c : bytes) {
    state ^= c;
    state *= kFnv1a64Prime;
  }
  return state;
}

uint64_t fnv1a_64(std::string_view bytes) { return fnv1a_64(bytes, kFnv1a64OffsetBasis); }

}  // namespace session_rating
