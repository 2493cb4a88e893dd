// What platforms' pass estimators (hw/contract/pass_estimator.h) share: their own
// action counters, with joules per action looked up in the table once, and DRAM
// bytes added per estimate.
#pragma once

#include <vector>

#include "common/energy_table.h"
#include "hw/contract/pass_estimator.h"
#include "hw/energy_counters.h"

namespace ebatch {

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
