// session_rating/hash.h — the one 64-bit hash of the project: FNV-1a (Fowler–Noll–Vo),
// http://www.isthe.com/chongo/tech/comp/fnv/. Stable across builds, platforms and versions;
// used for sampling buckets (throttle.h), config fingerprints (config.h, snapshots) and the
// collector's duplicate check (its content_hash column). Not a cryptographic hash.
#pragma once

#include <cstdint>
#include <string_view>

namespace session_rating {

// The standard 64-bit offset basis, 14695981039346656037 (the hash of no bytes).
inline constexpr uint64_t kFnv1a64OffsetBasis = 0xcbf29ce484222325ull;

// The standard 64-bit FNV prime, 1099511628211 = 2^40 + 2^8 + 0xb3.
inline constexpr uint64_t kFnv1a64Prime = 0x100000001b3ull;

// FNV-1a 64 of `bytes`: start at kFnv1a64OffsetBasis; per byte, xor it in, multiply by the
// prime (mod 2^64). fnv1a_64("") == 0xcbf29ce484222325, fnv1a_64("a") == 0xaf63dc4c8601ec8c.
uint64_t fnv1a_64(std::string_view bytes);

// The same steps started from `state` instead of the offset basis: continues a hash, so
// fnv1a_64(a + b) == fnv1a_64(b, fnv1a_64(a)).
uint64_t fnv1a_64(std::string_view bytes, uint64_t state);

}  // namespace session_rating
