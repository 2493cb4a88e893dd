// The TPU v1-like array as a SystemC module: the shared Accelerator
// (registers, slots, completion interrupt) plus the array's timing and energy
// per layer pass from TpuCostModel.
//
// Models per pass: layer-0 inputs read from DRAM, then the pass's GEMMs and
// element-wise work for the cycles of the closed form, which already includes
// weight fetches through the FIFO and DRAM stalls; the weight bytes are also
// sent to the DRAM model as bursts (for its byte and energy counts and for
// contention with host transfers), without adding their time twice; final
// outputs written to DRAM. Waveforms: array busy, weight bytes fetched.
// Ignores: the host interface (PCIe), instruction issue.
#pragma once

#include "hw/accelerator.h"
#include "hw/tpu/tpu_cost.h"
#include "hw/tpu/tpu_estimator.h"

namespace ebatch {

class TpuAccelerator : public Accelerator {
 public:
  sc_core::sc_signal<bool> array_busy;
  sc_core::sc_signal<std::uint64_t> weight_fifo_bytes;  // fetched into the FIFO so far

  TpuAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
                 int queue_depth);

  PlatformSignals platform_signals() const override;

 protected:
  void execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) override;

 private:
  TpuCostModel cost_;
  TpuActionRecorder actions_;
  std::uint64_t fifo_total_ = 0;
};

}  // namespace ebatch
