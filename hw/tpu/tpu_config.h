// The TPU's own keys of the hardware section (hardware.array, ...).
#pragma once

#include <cstdint>

#include "common/registry.h"

namespace ebatch {

// TPU v1-like weight-stationary systolic array (Jouppi et al., ISCA 2017).
struct TpuConfig : ConfigExtensionOf<TpuConfig> {
  int rows = 256, cols = 256;
  int weight_fifo_tiles = 4;
  std::uint64_t unified_buffer_bytes = 0;
  std::uint64_t accumulator_bytes = 0;
  int activation_width = 256;  // elements per cycle in the activation unit
};

}  // namespace ebatch
