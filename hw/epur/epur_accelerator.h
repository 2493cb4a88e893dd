// E-PUR as a SystemC module: the shared Accelerator (registers, slots,
// interrupt) plus E-PUR's timing and energy per layer pass from EpurCostModel.
//
// Models per pass: the weight load from DRAM (one burst per MiB) before
// compute starts, then the input half, the recurrence (with re-streamed
// weights overlapping compute when a layer does not fit: the slower of the
// two wins per step) and the output layer; layer-0 inputs are read and final
// outputs written as DRAM bursts. Waveforms: one busy line per compute unit.
// Ignores: prefetching the next layer's weights during compute.
#pragma once

#include "hw/accelerator.h"
#include "hw/epur/epur_cost.h"
#include "hw/epur/epur_estimator.h"

namespace ebatch {

class EpurAccelerator : public Accelerator {
 public:
  sc_core::sc_vector<sc_core::sc_signal<bool>> cu_busy;
  sc_core::sc_signal<std::uint64_t> weight_buffer_bytes;  // resident weights per compute unit

  EpurAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
                  int queue_depth);

  const EpurCostModel& cost_model() const { return cost_; }

  PlatformSignals platform_signals() const override;

 protected:
  void execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) override;

 private:
  EpurCostModel cost_;
  EpurActionRecorder actions_;
};

}  // namespace ebatch
