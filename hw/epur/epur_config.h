// E-PUR's own keys of the hardware section (hardware.compute_units, ...).
#pragma once

#include <cstdint>

#include "common/registry.h"

namespace ebatch {

// E-PUR (Silfa et al., PACT 2018): one compute unit per gate.
struct EpurConfig : ConfigExtensionOf<EpurConfig> {
  int compute_units = 4;
  int dot_product_width = 16;             // MACs per cycle per compute unit
  int mfu_width = 1;                      // element-wise operations per cycle per compute unit
  std::uint64_t weight_buffer_bytes = 0;  // per compute unit
  std::uint64_t input_buffer_bytes = 0;   // per compute unit
  std::uint64_t intermediate_memory_bytes = 0;
};

}  // namespace ebatch
