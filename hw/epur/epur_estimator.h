// E-PUR's pass costs in seconds and joules from EpurCostModel and the energy
// table, shared by the SystemC shell (EpurAccelerator) and the window tuner.
#pragma once

#include "common/experiment.h"
#include "hw/energy_counters.h"
#include "hw/epur/epur_cost.h"
#include "hw/table_estimator.h"

namespace ebatch {

// Adds a pass's actions to E-PUR's counters (DRAM bytes are counted by the DRAM).
class EpurActionRecorder {
 public:
  EpurActionRecorder(EnergyCounters& counters, Precision precision);
  void record(const PassCost& cost);

 private:
  EnergyCounters& counters_;
  EnergyCounters::ActionId mac_, op_, act_, wb_r_, wb_w_, ib_r_, ib_w_, im_r_, im_w_;
};

// Untimed duration of a pass: DRAM transfers before compute, compute (overlapping
// re-streamed weights), then the output write.
double epur_pass_seconds(const PassCost& cost, const HardwareConfig& hw);
// Storage behind each component's capacity-scaled leakage.
void set_epur_capacities(EnergyCounters& counters, const HardwareConfig& hw);

class EpurEstimator : public TableEstimator {
 public:
  EpurEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table);
  PassEstimate estimate(const LayerPass& pass) override;
  void reset() override { cost_.reset_residency(); }

 private:
  HardwareConfig hw_;
  EpurCostModel cost_;
  EpurActionRecorder recorder_;
};

}  // namespace ebatch
