#include "hw/epur/epur_capacity.h"

#include "hw/epur/epur_config.h"

namespace ebatch {

EpurCapacity::EpurCapacity(const HardwareConfig& hw, const NetworkSpec& net)
    : OnChipCapacity(
          hw, net,
          {{"intermediate_memory", "intermediate_memory", hw.config<EpurConfig>().intermediate_memory_bytes}}) {}

std::uint64_t EpurCapacity::measure(const LayerPass& pass, std::size_t) const {
  // Layer-0 inputs go from DRAM to the input buffers, not through the intermediate memory.
  return activation_working_set(net_, pass, bytes_, /*inputs_on_chip=*/!net_.reads_input(pass.layer)).total();
}

}  // namespace ebatch
