// An on-chip memory whose working set a platform's planner tracks (hw/onchip.h), and its use
// by one pass.
#pragma once

#include <cstdint>
#include <string>

namespace ebatch {

struct OnChipMemory {
  std::string name;            // the energy component (intermediate_memory, unified_buffer, ...)
  std::string key;             // the hardware key that sets its capacity
  std::uint64_t capacity = 0;  // bytes
};

// One memory in one pass: its working set, the bytes spilled to DRAM (written by this pass)
// and read back from DRAM by this pass, and the held activations (hw/onchip.h): those in the
// working set, and all those held between this pass and the next (on chip or spilled).
struct OnChipUse {
  std::uint64_t working_set = 0, spill_bytes = 0, spill_read_bytes = 0;
  std::uint64_t held_in_working_set = 0, held_bytes = 0;
};

}  // namespace ebatch
