// An on-chip memory whose working set a platform's planner tracks (hw/onchip.h).
#pragma once

#include <cstdint>
#include <string>

namespace ebatch {

struct OnChipMemory {
  std::string name;            // the energy component (intermediate_memory, unified_buffer, ...)
  std::string key;             // the hardware key that sets its capacity
  std::uint64_t capacity = 0;  // bytes
};

}  // namespace ebatch
