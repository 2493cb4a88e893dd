// E-PUR as a SystemC module: the shared Accelerator (registers, slots, interrupt) carrying
// out E-PUR's pass plans (hw/epur/epur_plan.h: weight load, input read, compute overlapped
// with re-streamed, chunk-loaded or prefetched weights, output write) through TLM.
// Waveforms: one busy line per compute unit, the bytes resident in the weight buffers.
#pragma once

#include "hw/accelerator.h"
#include "hw/epur/epur_plan.h"

namespace ebatch {

class EpurAccelerator : public Accelerator {
 public:
  sc_core::sc_vector<sc_core::sc_signal<bool>> cu_busy;
  sc_core::sc_signal<std::uint64_t> weight_buffer_bytes;  // resident weights per compute unit

  EpurAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy, int slots,
                  int queue_depth);

  const EpurCostModel& cost_model() const { return planner_->cost_model(); }

  PlatformSignals platform_signals() const override;

 protected:
  void on_compute_begin(tlm_utils::tlm_quantumkeeper& qk) override;
  void on_pass_end(tlm_utils::tlm_quantumkeeper& qk) override;

 private:
  EpurPlanner* planner_ = nullptr;  // owned by the Accelerator
};

}  // namespace ebatch
