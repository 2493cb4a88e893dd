// Walking a mask of one byte per slot (nonzero: set) by its set entries only. A cellular
// cell sets B of up to 256 slots, and its mask is walked several times per cell (the host's
// descriptor, the accelerator's decode, the slot engine's pass): eight bytes are tested at
// once and only the set ones are visited, in ascending order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ebatch {

// The first i in [from, n) with mask[i] != 0, or n.
inline std::size_t next_set_byte(const std::uint8_t* mask, std::size_t n, std::size_t from) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; from + 8 <= n; from += 8) {
    std::uint64_t word;
    std::memcpy(&word, mask + from, 8);
    if (word) return from + std::size_t(__builtin_ctzll(word) / 8);  // the lowest address set
  }
#endif
  while (from < n && !mask[from]) ++from;
  return from;
}

// Calls f(i) for every i < n with mask[i] != 0, in ascending order.
template <class F>
inline void for_each_set_byte(const std::uint8_t* mask, std::size_t n, F&& f) {
  for (std::size_t i = next_set_byte(mask, n, 0); i < n; i = next_set_byte(mask, n, i + 1)) f(i);
}

// Calls f(i) for every set bit i < n of 32-bit words (bit i % 32 of words[i / 32]), ascending.
template <class F>
inline void for_each_set_bit(const std::uint32_t* words, std::size_t n, F&& f) {
  for (std::size_t w = 0; w * 32 < n; ++w) {
    std::uint32_t bits = words[w];
    if (n - w * 32 < 32) bits &= (std::uint32_t(1) << (n - w * 32)) - 1;
    while (bits) {
      f(w * 32 + std::size_t(__builtin_ctz(bits)));
      bits &= bits - 1;
    }
  }
}

}  // namespace ebatch
