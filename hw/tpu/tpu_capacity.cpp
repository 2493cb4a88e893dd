#include "hw/tpu/tpu_capacity.h"

#include "hw/tpu/tpu_config.h"

namespace ebatch {

TpuCapacity::TpuCapacity(const HardwareConfig& hw, const NetworkSpec& net)
    : OnChipCapacity(hw, net,
                     {{"unified_buffer", "unified_buffer", hw.config<TpuConfig>().unified_buffer_bytes},
                      {"accumulators", "accumulators", hw.config<TpuConfig>().accumulator_bytes}}) {}

std::uint64_t TpuCapacity::measure(const LayerPass& pass, std::size_t i) const {
  if (i == 0) return activation_working_set(net_, pass, bytes_, /*inputs_on_chip=*/true).total();
  return accumulator_working_set(net_, pass);
}

}  // namespace ebatch
