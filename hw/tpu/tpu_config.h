// The TPU's own keys of the hardware section (hardware.array, ...).
#pragma once

#include <cstdint>

#include "common/enum_table.h"
#include "common/registry.h"

namespace ebatch {

// hardware.weight_prefetch: whether the weight FIFO fetches the tiles of the next GEMM of a
// pass while the current one computes (cross_gemm), or starts each GEMM's fetches only when
// that GEMM starts (off, TPU v1 as first modelled). hw/tpu/tpu_cost.h has the closed form.
enum class TpuWeightPrefetch { off, cross_gemm };
const EnumTable<TpuWeightPrefetch>& tpu_weight_prefetch_modes();

// TPU v1-like weight-stationary systolic array (Jouppi et al., ISCA 2017).
struct TpuConfig : ConfigExtensionOf<TpuConfig> {
  int rows = 256, cols = 256;
  int weight_fifo_tiles = 4;
  TpuWeightPrefetch weight_prefetch = TpuWeightPrefetch::off;
  std::uint64_t unified_buffer_bytes = 0;
  std::uint64_t accumulator_bytes = 0;
  int activation_width = 256;  // elements per cycle in the activation unit
};

}  // namespace ebatch
