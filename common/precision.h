// Number formats of the accelerators' datapaths.
#pragma once

#include <string>

#include "common/enum_table.h"

namespace ebatch {

enum class Precision { int8, fp16, bf16, fp32 };

inline const EnumTable<Precision>& precisions() {
  static const EnumTable<Precision> t{
      {Precision::int8, "int8"}, {Precision::fp16, "fp16"}, {Precision::bf16, "bf16"}, {Precision::fp32, "fp32"}};
  return t;
}

inline const char* to_string(Precision p) { return precisions().name(p); }

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
