// Fast estimates of what a layer pass costs on a platform, without the SystemC
// kernel: for the runtime's window tuner and for quick what-if loops. The
// estimate uses the platform's own cost model, so it agrees with the timed
// model except for DRAM contention and register/interrupt overheads.
// Part of the driver contract: the runtime sees only this interface; the
// testbench builds the platform's estimator (hw/epur, hw/tpu) and hands it over.
#pragma once

#include "common/errors.h"
#include "hw/contract/slot_engine.h"

namespace ebatch {

// A layer pass whose on-chip working set exceeds a memory's capacity under hardware.spill:
// reject (hw/onchip.h); thrown by a platform's planner, so by estimate() and by the timed
// model. An InputError: exit 2 where it is known before the run (the window tuner), the
// run's error otherwise. The message names the memory, the bytes against its capacity and
// the key to change.
class CapacityError : public InputError {
 public:
  using InputError::InputError;
};

struct PassEstimate {
  double seconds = 0;
  double dynamic_joules = 0;
};

class PassEstimator {
 public:
  virtual ~PassEstimator() = default;
  virtual PassEstimate estimate(const LayerPass& pass) = 0;  // may throw CapacityError
  virtual double leakage_watts() const = 0;
  virtual void reset() = 0;  // forget on-chip state (weights resident)
};

}  // namespace ebatch
