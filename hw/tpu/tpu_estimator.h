// The TPU-like array's pass costs in seconds and joules from TpuCostModel and
// the energy table, shared by the SystemC shell and the window tuner.
#pragma once

#include "common/experiment.h"
#include "hw/energy_counters.h"
#include "hw/table_estimator.h"
#include "hw/tpu/tpu_cost.h"

namespace ebatch {

// Adds a pass's actions to the array's counters (DRAM bytes are counted by the DRAM).
class TpuActionRecorder {
 public:
  TpuActionRecorder(EnergyCounters& counters, Precision precision);
  void record(const TpuPassCost& cost);

 private:
  EnergyCounters& counters_;
  EnergyCounters::ActionId mac_, fifo_r_, fifo_w_, ub_r_, ub_w_, acc_r_, acc_w_, op_, act_;
};

// Untimed duration of a pass: inputs read, the array's cycles, outputs written.
double tpu_pass_seconds(const TpuPassCost& cost, const HardwareConfig& hw);
// Storage behind each component's capacity-scaled leakage.
void set_tpu_capacities(EnergyCounters& counters, const HardwareConfig& hw);

class TpuEstimator : public TableEstimator {
 public:
  TpuEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table);
  PassEstimate estimate(const LayerPass& pass) override;
  void reset() override {}

 private:
  HardwareConfig hw_;
  TpuCostModel cost_;
  TpuActionRecorder recorder_;
};

}  // namespace ebatch
