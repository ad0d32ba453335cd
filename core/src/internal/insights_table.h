// Internal: the rating_id → winning-record table of the insights Aggregator (insights.cpp).
//
// Built for a million ids and more with little memory and few allocations: an open-addressing
// table (linear probing) of 8-byte slots — 32 bits of the id's hash as a tag, 32 bits of item
// index — over items kept in insertion order in fixed-size chunks that never move, with the
// id bytes copied once into large blocks (each after its 4-byte length). The hash is only a
// shortcut: two ids are the same key only when their bytes are equal (the collision check),
// so ids whose hashes collide stay two ratings. Compared with std::unordered_map<std::string,
// V>: no node and no string allocation per id, no pointer chasing per lookup, and per id
// sizeof(V) + 8 bytes + the id + 4 bytes + ~11 bytes of slots instead of about twice that.
// At most 2^32 - 2 items.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "session_rating/hash.h"

namespace session_rating::internal {

// The hash of an id: fnv1a_64 with a finaliser (MurmurHash3's fmix64), so that the top bits
// (the slot) and the low bits (the tag) both depend on every byte.
struct IdHash {
  uint64_t operator()(std::string_view id) const {
    uint64_t h = fnv1a_64(id);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }
};

// `Hash` is replaceable for tests (a constant hash makes every id collide).
template <typename V, typename Hash = IdHash>
class IdTable {
 public:
  struct Item {
    V value{};
    const char* id = nullptr;    // the id's length (uint32_t) then its bytes; owned by the table
    std::string_view key() const {
      uint32_t n = 0;
      std::memcpy(&n, id, sizeof n);
      return {id + sizeof n, n};
    }
  };

  // The item of `id`; created (value V{}) when the id is new, which sets `inserted`.
  Item& find_or_insert(std::string_view id, bool& inserted) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const uint64_t h = hash_of(id);
    const uint32_t tag = static_cast<uint32_t>(h);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(h >> shift_);; i = (i + 1) & mask) {
      const uint64_t s = slots_[i];
      if (s == 0) {
        slots_[i] = (static_cast<uint64_t>(tag) << 32) | static_cast<uint64_t>(size_ + 1);
        inserted = true;
        return push(id);
      }
      if (static_cast<uint32_t>(s >> 32) == tag) {
        Item& it = at(static_cast<std::size_t>(static_cast<uint32_t>(s)) - 1);
        if (it.key() == id) {
          inserted = false;
          return it;
        }
      }
    }
  }

  std::size_t size() const { return size_; }

  // Makes room for `n` items in all without growing the slots again (items grow by chunks).
  void reserve(std::size_t n) {
    while (n * 4 > slots_.size() * 3) grow();
  }

  // Frees the slots: afterwards only drain() may be called. Lets a merge free this index
  // before it grows the other table's.
  void drop_index() {
    slots_.clear();
    slots_.shrink_to_fit();
  }

  // Calls f(item) for every item, in insertion order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t i = 0; i < size_; ++i) f(at(i));
  }

  // Calls f(item) for every item in insertion order, releasing the memory of each chunk of
  // items once it is done; the table is empty afterwards. For merging one table into another
  // without holding both whole.
  template <typename F>
  void drain(F&& f) {
    drop_index();
    std::size_t block = 0;  // id blocks before this one are no longer needed
    for (std::size_t i = 0; i < size_; ++i) {
      const Item& it = at(i);
      // Ids are stored in insertion order: once an item's id is past a block, so are the
      // ids of every later item.
      while (it.id < id_blocks_[block].first.get() ||
             it.id >= id_blocks_[block].first.get() + id_blocks_[block].second) {
        id_blocks_[block++].first.reset();
      }
      f(it);
      if ((i + 1) % kChunk == 0 || i + 1 == size_) chunks_[i / kChunk].reset();
    }
    *this = IdTable();
  }

 private:
  static constexpr std::size_t kChunk = std::size_t(1) << 14;      // items per chunk
  static constexpr std::size_t kIdBlock = std::size_t(1) << 18;    // bytes per id block

  static uint64_t hash_of(std::string_view id) { return Hash()(id); }

  Item& at(std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

  Item& push(std::string_view id) {
    if (size_ % kChunk == 0) chunks_.emplace_back(new Item[kChunk]);
    Item& it = at(size_++);
    it.id = store(id);
    return it;
  }

  const char* store(std::string_view id) {
    const uint32_t len = static_cast<uint32_t>(id.size());
    const std::size_t need = sizeof len + id.size();
    if (need > id_left_) {
      const std::size_t n = need > kIdBlock ? need : kIdBlock;
      id_blocks_.emplace_back(std::unique_ptr<char[]>(new char[n]), n);
      id_next_ = id_blocks_.back().first.get();
      id_left_ = n;
    }
    char* p = id_next_;
    std::memcpy(p, &len, sizeof len);
    if (!id.empty()) std::memcpy(p + sizeof len, id.data(), id.size());
    id_next_ += need;
    id_left_ -= need;
    return p;
  }

  void grow() {
    const std::size_t n = slots_.empty() ? 1024 : slots_.size() * 2;
    unsigned bits = 0;
    while ((std::size_t(1) << bits) < n) ++bits;
    slots_.assign(n, 0);
    shift_ = 64 - bits;
    const std::size_t mask = n - 1;
    for (std::size_t k = 0; k < size_; ++k) {
      const uint64_t h = hash_of(at(k).key());
      std::size_t i = static_cast<std::size_t>(h >> shift_);
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = (static_cast<uint64_t>(static_cast<uint32_t>(h)) << 32) |
                  static_cast<uint64_t>(k + 1);
    }
  }

  std::vector<uint64_t> slots_;                 // 0: empty; else tag << 32 | (index + 1)
  unsigned shift_ = 64;                         // slot of hash h: h >> shift_
  std::vector<std::unique_ptr<Item[]>> chunks_;
  std::size_t size_ = 0;
  std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> id_blocks_;  // block, size
  char* id_next_ = nullptr;
  std::size_t id_left_ = 0;
};

}  // namespace session_rating::internal
