// The TPU-like array's pass plan (untimed core): TpuCostModel's closed form as the phases
// of a pass, read by both the SystemC shell (TpuAccelerator) and the window tuner's estimator.
//
// Phases: the layer-0 input read, compute (the pass's GEMMs and element-wise work, whose
// cycles already include the weight fetches through the FIFO and the DRAM stalls: the weight
// bytes go to the DRAM untimed, for its counts and contention), then the output write, then
// (hardware.spill: dram) the spill write and read of what exceeds the unified buffer and the
// accumulators (TpuCapacity, hw/onchip.h).
// Ignores: the host interface (PCIe), instruction issue.
#pragma once

#include "hw/pass_plan.h"
#include "hw/tpu/tpu_capacity.h"
#include "hw/tpu/tpu_cost.h"

namespace ebatch {

class TpuPlanner : public PassPlanner {
 public:
  TpuPlanner(const HardwareConfig& hw, const NetworkSpec& net);
  const std::vector<ActionName>& action_names() const override { return names_; }
  void plan(const LayerPass& pass, PassPlan& out) override;
  void reset() override { capacity_.reset(); }  // the held activations (hw/onchip.h)
  void set_capacities(EnergyCounters& counters) const override;
  const std::vector<OnChipMemory>& onchip_memories() const override { return capacity_.memories(); }
  // The plan of a closed-form cost (also for a single GEMM, as `ebatch gemm` reports it).
  void plan_cost(const TpuPassCost& cost, PassPlan& out) const;

 private:
  HardwareConfig hw_;
  TpuCostModel cost_;
  TpuCapacity capacity_;
  std::vector<ActionName> names_;
};

// The tuner's estimator for the TPU-like array.
class TpuEstimator : public PlanEstimator {
 public:
  TpuEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table)
      : PlanEstimator(std::make_unique<TpuPlanner>(hw, net), hw, table) {}
};

}  // namespace ebatch
