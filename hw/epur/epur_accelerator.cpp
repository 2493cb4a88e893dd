#include "hw/epur/epur_accelerator.h"

namespace ebatch {

EpurAccelerator::EpurAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy,
                                 int slots, int queue_depth)
    : Accelerator(name, experiment, energy, slots, queue_depth),
      cu_busy("cu", std::size_t(experiment.hardware.config<EpurConfig>().compute_units)),
      weight_buffer_bytes("weight_buffer_bytes") {
  auto planner = std::make_unique<EpurPlanner>(experiment.hardware, experiment.network);
  planner_ = planner.get();
  use_planner(std::move(planner));
  const auto& e = experiment.hardware.config<EpurConfig>();
  stats_.unit_cycle_capacity_per_cycle = double(e.compute_units) * e.dot_product_width * e.dot_product_lanes;
}

void EpurAccelerator::on_compute_begin(tlm_utils::tlm_quantumkeeper& qk) {
  if (!tracing_) return;
  qk.sync();
  for (auto& s : cu_busy) s.write(true);
}

void EpurAccelerator::on_pass_end(tlm_utils::tlm_quantumkeeper& qk) {
  if (!tracing_) return;
  qk.sync();
  for (auto& s : cu_busy) s.write(false);
  weight_buffer_bytes.write(planner_->cost_model().resident_bytes());
}

Accelerator::PlatformSignals EpurAccelerator::platform_signals() const {
  PlatformSignals s;
  for (std::size_t i = 0; i < cu_busy.size(); ++i)
    s.compute.emplace_back(&cu_busy[i], "cu" + std::to_string(i) + ".busy");
  s.memory.emplace_back(&weight_buffer_bytes, "weight_buffer.bytes");
  return s;
}

}  // namespace ebatch
