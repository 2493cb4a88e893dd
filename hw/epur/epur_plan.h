// E-PUR's pass plan (untimed core): EpurCostModel's closed form as the phases of a pass,
// read by both the SystemC shell (EpurAccelerator) and the window tuner's estimator.
//
// Phases: the weight load from DRAM when the layer is not resident (before compute
// starts; with weight_streaming overlapped only its first chunk), the layer-0 input
// read, compute (input half, recurrence, output layer) overlapped with DRAM weight
// reads (the slower of the two sets the pace): with overlapped streaming, first the
// rest of the load under the compute that consumes it (PassCost::overlap_cycles), then
// the weights re-streamed every step when a layer does not fit its buffers and the
// next layer's prefetch; then the output write, then (hardware.spill: dram) the spill
// write and read of what exceeds the intermediate memory (EpurCapacity).
#pragma once

#include "hw/epur/epur_capacity.h"
#include "hw/epur/epur_cost.h"
#include "hw/pass_plan.h"

namespace ebatch {

class EpurPlanner : public PassPlanner {
 public:
  EpurPlanner(const HardwareConfig& hw, const NetworkSpec& net);
  const std::vector<ActionName>& action_names() const override { return names_; }
  void plan(const LayerPass& pass, PassPlan& out) override;
  void reset() override {
    cost_.reset_residency();
    capacity_.reset();
  }
  void set_capacities(EnergyCounters& counters) const override;
  const std::vector<OnChipMemory>& onchip_memories() const override { return capacity_.memories(); }
  const EpurCostModel& cost_model() const { return cost_; }

 private:
  HardwareConfig hw_;
  EpurCostModel cost_;
  EpurCapacity capacity_;  // the intermediate memory's working set and spill (hw/onchip.h)
  std::vector<ActionName> names_;
};

// The tuner's estimator for E-PUR.
class EpurEstimator : public PlanEstimator {
 public:
  EpurEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table)
      : PlanEstimator(std::make_unique<EpurPlanner>(hw, net), hw, table) {}
};

}  // namespace ebatch
