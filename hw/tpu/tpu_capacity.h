// The TPU's on-chip capacity (untimed core): per pass, the unified buffer's working set
// (hw/onchip.h: the pass's inputs, W x_t + b of one direction, the states and the outputs)
// against hardware.unified_buffer, and the accumulators' (the largest GEMM output of the
// pass in 32 bit) against hardware.accumulators, with hardware.spill applied.
// Ignores: the weight FIFO (the cost model streams every tile through it).
#pragma once

#include "hw/onchip_capacity.h"

namespace ebatch {

class TpuCapacity : public OnChipCapacity {
 public:
  TpuCapacity(const HardwareConfig& hw, const NetworkSpec& net);

 private:
  std::uint64_t measure(const LayerPass& pass, std::size_t i) const override;
};

}  // namespace ebatch
