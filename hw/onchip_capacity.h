// A platform's on-chip capacity model (untimed core, hw/onchip.h): its memories, the working
// set of each for a pass (the platform's measure()), and hardware.spill applied into the pass
// plan. The planners call apply() after their cost model, so the timed model and the tuner's
// estimator read the same working sets and spill phases. It keeps the activations held
// between passes (HeldActivations), so a planner must see every pass of a run in order, and
// be reset between runs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hw/pass_plan.h"

namespace ebatch {

class OnChipCapacity {
 public:
  virtual ~OnChipCapacity() = default;
  const std::vector<OnChipMemory>& memories() const { return memories_; }
  // Sets out.onchip for `pass` (one entry per memory) and appends its spill phases. Memory 0
  // holds the activations kept between passes (HeldActivations): call for every pass, in
  // order.
  void apply(const LayerPass& pass, PassPlan& out) {
    out.onchip.resize(memories_.size());
    for (std::size_t i = 0; i < memories_.size(); ++i) {
      if (i > 0) {
        out.onchip[i] = apply_spill(mode_, memories_[i], measure(pass, i));
        continue;
      }
      const HeldActivations::Before held = held_.before(pass);
      const std::uint64_t own = measure(pass, 0);
      OnChipUse& use = out.onchip[0];
      use = OnChipUse{};
      use.working_set = own + held.resident_not_read;
      use.held_in_working_set = held.resident_not_read;
      std::uint64_t spill_held = 0;
      if (mode_ == SpillMode::dram && use.working_set > memories_[0].capacity) {
        const std::uint64_t excess = use.working_set - memories_[0].capacity;
        spill_held = std::min(excess, held.new_held);  // read back by a later pass
        use.spill_bytes = excess;
        use.spill_read_bytes = excess - spill_held;
      }
      use.spill_read_bytes += held.read_back;
      use.held_bytes = held_.after(spill_held);
    }
    out.add_spill_phases();
  }
  // Forgets the held activations.
  void reset() { held_.reset(); }

 protected:
  OnChipCapacity(const HardwareConfig& hw, const NetworkSpec& net, std::vector<OnChipMemory> memories)
      : net_(net),
        mode_(hw.spill),
        bytes_(bytes_per_value(hw.precision)),
        memories_(std::move(memories)),
        held_(net, bytes_) {}
  // The working set of memory `i` in `pass` (bytes).
  virtual std::uint64_t measure(const LayerPass& pass, std::size_t i) const = 0;
  NetworkSpec net_;
  SpillMode mode_;
  int bytes_;

 private:
  std::vector<OnChipMemory> memories_;
  HeldActivations held_;
};

}  // namespace ebatch
