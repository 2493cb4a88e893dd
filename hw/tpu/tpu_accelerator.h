// The TPU v1-like array as a SystemC module: the shared Accelerator (registers, slots,
// completion interrupt) carrying out the array's pass plans (hw/tpu/tpu_plan.h: input read,
// the GEMMs' closed-form cycles with the weight fetches sent to the DRAM untimed, output
// write) through TLM.
// Waveforms: array busy, weight bytes fetched.
// Ignores: the host interface (PCIe), instruction issue.
#pragma once

#include "hw/accelerator.h"
#include "hw/tpu/tpu_plan.h"

namespace ebatch {

class TpuAccelerator : public Accelerator {
 public:
  sc_core::sc_signal<bool> array_busy;
  sc_core::sc_signal<std::uint64_t> weight_fifo_bytes;  // fetched into the FIFO so far

  TpuAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
                 int queue_depth);

  PlatformSignals platform_signals() const override;

 protected:
  void on_compute_begin(tlm_utils::tlm_quantumkeeper& qk) override;
  void on_compute_end(const PassPlan& plan, tlm_utils::tlm_quantumkeeper& qk) override;

 private:
  std::uint64_t fifo_total_ = 0;
};

}  // namespace ebatch
