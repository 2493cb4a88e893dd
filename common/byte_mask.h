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

// Bit i of the result is whether mask[i] != 0, for i < n (at most 32): eight bytes at a time.
inline std::uint32_t pack_set_bytes(const std::uint8_t* mask, std::size_t n) {
  std::uint32_t bits = 0;
  std::size_t i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL, kOnes = 0x0101010101010101ULL;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, mask + i, 8);
    // Each byte to 1 if nonzero (its high bit, or a carry out of its low seven), else 0;
    // the multiply gathers byte k's bit into bit 56 + k (no carries reach that byte).
    const std::uint64_t nonzero = ((((word & kLow7) + kLow7) | word) >> 7) & kOnes;
    bits |= std::uint32_t((nonzero * 0x0102040810204080ULL) >> 56) << i;
  }
#endif
  for (; i < n; ++i)
    if (mask[i]) bits |= std::uint32_t(1) << i;
  return bits;
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
