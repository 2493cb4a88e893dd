// Fast estimates of what a layer pass costs on a platform, without the SystemC
// kernel: for the runtime's window tuner and for quick what-if loops. The
// estimate uses the platform's own cost model, so it agrees with the timed
// model except for DRAM contention and register/interrupt overheads.
// Part of the driver contract: the runtime sees only this interface; the
// testbench builds the platform's estimator (hw/epur, hw/tpu) and hands it over.
#pragma once

#include "hw/contract/slot_engine.h"

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

}  // namespace ebatch
