// hash.h: the one FNV-1a 64, checked against the reference vectors of the FNV authors.
#include <gtest/gtest.h>

#include <string>

#include "session_rating/hash.h"
#include "session_rating/throttle.h"

using namespace session_rating;

TEST(Hash, fnv1a_64_matches_reference_vectors) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a_64("b"), 0xaf63df4c8601f1a5ull);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ull);
}

TEST(Hash, constants_are_the_standard_ones) {
  EXPECT_EQ(kFnv1a64OffsetBasis, 14695981039346656037ull);
  EXPECT_EQ(kFnv1a64Prime, 1099511628211ull);
}

TEST(Hash, hashes_every_byte_including_nul_and_high_bytes) {
  const std::string with_nul("a\0b", 3);
  EXPECT_NE(fnv1a_64(with_nul), fnv1a_64("ab"));
  EXPECT_NE(fnv1a_64("\xff"), fnv1a_64("\x7f"));
}

TEST(Hash, continuing_from_a_state_equals_hashing_the_concatenation) {
  EXPECT_EQ(fnv1a_64("bar", fnv1a_64("foo")), fnv1a_64("foobar"));
  EXPECT_EQ(fnv1a_64("", 12345u), 12345u);
}

TEST(Hash, sample_bucket_is_fnv1a_64_of_the_session_id_mod_10000) {
  EXPECT_EQ(sample_bucket("foobar"), static_cast<int>(0x85944171f73967e8ull % 10000));
  EXPECT_EQ(sample_bucket("s-42"), static_cast<int>(fnv1a_64("s-42") % 10000));
}
