// A platform's on-chip capacity model (untimed core, hw/onchip.h): its memories, the working
// set of each for a pass (the platform's measure()), and hardware.spill applied into the pass
// plan. The planners call apply() after their cost model, so the timed model and the tuner's
// estimator read the same working sets and spill phases.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/pass_plan.h"

namespace ebatch {

class OnChipCapacity {
 public:
  virtual ~OnChipCapacity() = default;
  const std::vector<OnChipMemory>& memories() const { return memories_; }
  // Sets out.onchip for `pass` (one entry per memory) and appends its spill phases.
  void apply(const LayerPass& pass, PassPlan& out) const {
    out.onchip.resize(memories_.size());
    for (std::size_t i = 0; i < memories_.size(); ++i)
      out.onchip[i] = apply_spill(mode_, memories_[i], measure(pass, i));
    out.add_spill_phases();
  }

 protected:
  OnChipCapacity(const HardwareConfig& hw, const NetworkSpec& net, std::vector<OnChipMemory> memories)
      : net_(net), mode_(hw.spill), bytes_(bytes_per_value(hw.precision)), memories_(std::move(memories)) {}
  // The working set of memory `i` in `pass` (bytes).
  virtual std::uint64_t measure(const LayerPass& pass, std::size_t i) const = 0;
  NetworkSpec net_;
  SpillMode mode_;
  int bytes_;

 private:
  std::vector<OnChipMemory> memories_;
};

}  // namespace ebatch
