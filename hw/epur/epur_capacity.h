// E-PUR's on-chip capacity (untimed core): the intermediate memory's working set of a pass
// (hw/onchip.h: the inputs of layers above 0, W x_t + b of one direction, the states and the
// pass's outputs) against hardware.intermediate_memory, with hardware.spill applied.
// Ignores: the weight and input buffers (the cost model streams what does not fit them).
#pragma once

#include "hw/onchip_capacity.h"

namespace ebatch {

class EpurCapacity : public OnChipCapacity {
 public:
  EpurCapacity(const HardwareConfig& hw, const NetworkSpec& net);

 private:
  std::uint64_t measure(const LayerPass& pass, std::size_t i) const override;
};

}  // namespace ebatch
