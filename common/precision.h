// Number formats of the accelerators' datapaths.
#pragma once

#include <string>

namespace ebatch {

enum class Precision { int8, fp16, bf16, fp32 };

inline const char* to_string(Precision p) {
  switch (p) {
    case Precision::int8:
      return "int8";
    case Precision::fp16:
      return "fp16";
    case Precision::bf16:
      return "bf16";
    case Precision::fp32:
      return "fp32";
  }
  return "?";
}

// Bytes one stored value occupies in buffers and DRAM.
inline int bytes_per_value(Precision p) {
  switch (p) {
    case Precision::int8:
      return 1;
    case Precision::fp16:
    case Precision::bf16:
      return 2;
    case Precision::fp32:
      return 4;
  }
  return 4;
}

}  // namespace ebatch
