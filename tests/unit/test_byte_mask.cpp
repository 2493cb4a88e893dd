// common/byte_mask.h against plain loops: random masks of every length up to 80 bytes, with
// set bytes of any nonzero value (the helpers test eight bytes at a time).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "common/byte_mask.h"

namespace ebatch {
namespace {

std::vector<std::uint8_t> random_mask(std::mt19937& rng, std::size_t n, double density) {
  std::bernoulli_distribution set(density);
  std::uniform_int_distribution<int> value(1, 255);
  std::vector<std::uint8_t> mask(n, 0);
  for (auto& b : mask)
    if (set(rng)) b = std::uint8_t(value(rng));
  return mask;
}

TEST(ByteMask, NextSetByteAndForEachMatchAPlainScan) {
  std::mt19937 rng(7);
  for (std::size_t n = 0; n <= 80; ++n)
    for (const double density : {0.0, 0.05, 0.3, 1.0}) {
      const auto mask = random_mask(rng, n, density);
      std::vector<std::size_t> expected, seen;
      for (std::size_t i = 0; i < n; ++i)
        if (mask[i]) expected.push_back(i);
      for_each_set_byte(mask.data(), n, [&](std::size_t i) { seen.push_back(i); });
      EXPECT_EQ(seen, expected) << "n " << n;
      for (std::size_t from = 0; from <= n; ++from) {
        std::size_t plain = from;
        while (plain < n && !mask[plain]) ++plain;
        ASSERT_EQ(next_set_byte(mask.data(), n, from), plain) << "n " << n << " from " << from;
      }
    }
}

TEST(ByteMask, PackSetBytesSetsBitIForEveryNonzeroByte) {
  std::mt19937 rng(11);
  for (std::size_t n = 0; n <= 32; ++n)
    for (const double density : {0.0, 0.1, 0.5, 1.0})
      for (int trial = 0; trial < 20; ++trial) {
        const auto mask = random_mask(rng, n, density);
        std::uint32_t expected = 0;
        for (std::size_t i = 0; i < n; ++i)
          if (mask[i]) expected |= std::uint32_t(1) << i;
        ASSERT_EQ(pack_set_bytes(mask.data(), n), expected) << "n " << n;
      }
  // Every single byte value in every position of a full word.
  for (int v = 0; v < 256; ++v)
    for (std::size_t at = 0; at < 32; ++at) {
      std::vector<std::uint8_t> mask(32, 0);
      mask[at] = std::uint8_t(v);
      ASSERT_EQ(pack_set_bytes(mask.data(), 32), v ? std::uint32_t(1) << at : 0u) << "value " << v << " at " << at;
    }
}

TEST(ByteMask, ForEachSetBitMatchesAPlainScanAndIgnoresBitsPastN) {
  std::mt19937 rng(13);
  for (std::size_t n = 0; n <= 96; ++n) {
    std::vector<std::uint32_t> words(4);
    for (auto& w : words) w = std::uint32_t(rng());
    std::vector<std::size_t> expected, seen;
    for (std::size_t i = 0; i < n; ++i)
      if ((words[i / 32] >> (i % 32)) & 1) expected.push_back(i);
    for_each_set_bit(words.data(), n, [&](std::size_t i) { seen.push_back(i); });
    EXPECT_EQ(seen, expected) << "n " << n;
  }
}

}  // namespace
}  // namespace ebatch
