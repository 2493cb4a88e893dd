// Fast estimates of what a layer pass costs on a platform, without the SystemC
// kernel: for the runtime's window tuner and for quick what-if loops. The
// estimate uses the platform's own cost model, so it agrees with the timed
// model except for DRAM contention and register/interrupt overheads.
#pragma once

#include <vector>

#include "common/energy_table.h"
#include "hw/energy_counters.h"
#include "hw/slot_engine.h"

namespace ebatch {

struct PassEstimate {
  double seconds = 0;
  double dynamic_joules = 0;
};

class PassEstimator {
 public:
  virtual ~PassEstimator() = default;
  virtual PassEstimate estimate(const LayerPass& pass) = 0;
  virtual double leakage_watts() const = 0;
  virtual void reset() = 0;  // forget on-chip state (weights resident)
};

// What platforms' estimators share: their own action counters, with joules per action
// looked up in the table once, and DRAM bytes added per estimate.
class TableEstimator : public PassEstimator {
 public:
  double leakage_watts() const override { return leakage_w_; }

 protected:
  EnergyCounters counters_;
  double leakage_w_ = 0;
  // Call after the platform registered its actions in counters_.
  void bind_table(const EnergyTable& table) {
    dram_read_ = counters_.action("dram", "read_byte");
    dram_write_ = counters_.action("dram", "write_byte");
    joules_ = counters_.joules_per_action(table);
  }
  // Dynamic joules of the actions recorded since the last clear, plus these DRAM bytes.
  double dynamic_joules(double dram_read_bytes, double dram_write_bytes) {
    counters_.add(dram_read_, dram_read_bytes);
    counters_.add(dram_write_, dram_write_bytes);
    const double joules = counters_.dynamic_joules(joules_);
    counters_.clear();
    return joules;
  }

 private:
  EnergyCounters::ActionId dram_read_ = 0, dram_write_ = 0;
  std::vector<double> joules_;
};

}  // namespace ebatch
