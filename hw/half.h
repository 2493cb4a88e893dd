// Rounding helpers that emulate the accelerators' narrow number formats on FP32 values.
//
// Models IEEE binary16 and bfloat16 storage: a float is rounded to the nearest value of the
// format (ties to even, overflow to +-inf, fp16 subnormals kept, NaN stays NaN) and held in a
// float again; results equal Eigen::half / Eigen::bfloat16 conversions (checked for all 2^32
// floats once, and on edge cases in the unit tests). Ignores int8 (quantised separately, in
// hw/rnn_datapath) and rounding modes other than round-to-nearest-even. Needs strict IEEE float
// arithmetic (no -ffast-math).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/precision.h"

namespace ebatch {

namespace half_detail {

inline std::uint32_t bits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
inline float from_bits(std::uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// The same bit manipulations on a scalar (U = uint32_t, F = float) or on a GCC vector of 4.
// fp16: round the float mantissa to 10 bits (normal fp16 range), or to a multiple of 2^-24
// by adding and removing 0.75 (subnormal range: |x| < 2^-14); overflow to inf.
template <class U, class F>
inline U fp16_bits(U b) {
  const U a = b & 0x7FFFFFFFu, sign = b ^ a;
  U n = (b + 0xFFFu + ((b >> 13) & 1u)) & ~0x1FFFu;
  n = (n & 0x7FFFFFFFu) > 0x477FE000u ? (sign | 0x7F800000u) : n;
  F af;
  std::memcpy(&af, &a, sizeof af);
  const F sf = (af + 0.75f) - 0.75f;
  U s;
  std::memcpy(&s, &sf, sizeof s);
  s |= sign;
  const U r = a >= 0x38800000u ? n : s;
  return a >= 0x7F800000u ? b : r;  // inf and NaN unchanged
}

// bf16: round the float mantissa to 7 bits; NaN unchanged.
template <class U>
inline U bf16_bits(U b) {
  const U n = (b + 0x7FFFu + ((b >> 16) & 1u)) & 0xFFFF0000u;
  return (b & 0x7FFFFFFFu) > 0x7F800000u ? b : n;
}

#if defined(__GNUC__)
typedef std::uint32_t V4u __attribute__((vector_size(16)));
typedef float V4f __attribute__((vector_size(16)));
#endif

}  // namespace half_detail

inline float round_fp16(float x) {
  using namespace half_detail;
  return from_bits(fp16_bits<std::uint32_t, float>(bits(x)));
}
inline float round_bf16(float x) {
  using namespace half_detail;
  return from_bits(bf16_bits<std::uint32_t>(bits(x)));
}

// Throws std::invalid_argument for formats the floating-point datapath cannot emulate.
inline void check_float_precision(Precision p) {
  if (p != Precision::fp32 && p != Precision::fp16 && p != Precision::bf16) {
    throw std::invalid_argument(std::string("datapath precision not supported: ") + to_string(p) +
                                " (use fp32, fp16 or bf16)");
  }
}

// One value rounded to the storage format `p` (fp32: unchanged).
inline float round_to(Precision p, float x) {
  switch (p) {
    case Precision::fp16:
      return round_fp16(x);
    case Precision::bf16:
      return round_bf16(x);
    default:
      return x;
  }
}

// Rounds n contiguous values in place (4 at a time with GCC/Clang vector extensions).
inline void round_in_place(Precision p, float* data, std::size_t n) {
  using namespace half_detail;
  if (p != Precision::fp16 && p != Precision::bf16) return;
  std::size_t i = 0;
#if defined(__GNUC__)
  for (; i + 4 <= n; i += 4) {
    V4u b;
    std::memcpy(&b, data + i, sizeof b);
    b = p == Precision::fp16 ? fp16_bits<V4u, V4f>(b) : bf16_bits<V4u>(b);
    std::memcpy(data + i, &b, sizeof b);
  }
#endif
  for (; i < n; ++i) data[i] = round_to(p, data[i]);
}

}  // namespace ebatch
