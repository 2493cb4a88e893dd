#include "hw/tpu/tpu_accelerator.h"

namespace ebatch {

TpuAccelerator::TpuAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy,
                               int slots, int queue_depth)
    : Accelerator(name, experiment, energy, slots, queue_depth),
      array_busy("array_busy"),
      weight_fifo_bytes("weight_fifo_bytes") {
  use_planner(std::make_unique<TpuPlanner>(experiment.hardware, experiment.network));
  const auto& tpu = experiment.hardware.config<TpuConfig>();
  stats_.unit_cycle_capacity_per_cycle = double(tpu.rows) * tpu.cols;
}

void TpuAccelerator::on_compute_begin(tlm_utils::tlm_quantumkeeper& qk) {
  if (!tracing_) return;
  qk.sync();
  array_busy.write(true);
}

void TpuAccelerator::on_compute_end(const PassPlan& plan, tlm_utils::tlm_quantumkeeper& qk) {
  fifo_total_ += plan.totals.weight_load_bytes;
  if (!tracing_) return;
  qk.sync();
  array_busy.write(false);
  weight_fifo_bytes.write(fifo_total_);
}

Accelerator::PlatformSignals TpuAccelerator::platform_signals() const {
  PlatformSignals s;
  s.compute.emplace_back(&array_busy, "array.busy");
  s.memory.emplace_back(&weight_fifo_bytes, "weight_fifo.bytes");
  return s;
}

}  // namespace ebatch
