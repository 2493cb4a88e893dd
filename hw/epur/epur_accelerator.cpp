#include "hw/epur/epur_accelerator.h"

#include <algorithm>

namespace ebatch {

EpurAccelerator::EpurAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy,
                                 int slots, int queue_depth)
    : Accelerator(name, experiment, energy, slots, queue_depth),
      cu_busy("cu", std::size_t(experiment.hardware.config<EpurConfig>().compute_units)),
      weight_buffer_bytes("weight_buffer_bytes"),
      cost_(experiment.hardware, experiment.network),
      actions_(energy, experiment.hardware.precision) {
  set_epur_capacities(energy, experiment.hardware);
  const auto& e = experiment.hardware.config<EpurConfig>();
  stats_.unit_cycle_capacity_per_cycle = double(e.compute_units) * e.dot_product_width;
}

void EpurAccelerator::execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) {
  const PassCost c = cost_.cost(pass);
  // Weights (and layer-0 inputs) arrive before compute starts.
  const double load_start = now_s(qk);
  if (c.weight_load_bytes && !weight_transfer(c.weight_load_bytes, qk)) return;
  if (timeline_ && c.weight_load_bytes)
    timeline_->complete("accelerator", "weight loads", "layer " + std::to_string(pass.layer) + " weights", load_start,
                        now_s(qk), {{"bytes", std::to_string(c.weight_load_bytes)}});
  if (c.input_dram_bytes)
    read_inputs(pass, std::uint64_t(experiment_.network.input_size) * bytes_per_value(experiment_.hardware.precision),
                qk);
  if (tracing_) {
    qk.sync();
    for (auto& s : cu_busy) s.write(true);
  }
  sc_core::sc_time compute = double(c.compute_cycles()) * cycle_;
  if (c.weight_stream_bytes) {
    // Re-streamed weights overlap the recurrence; the slower one sets the pace.
    // Absolute times: dram_transfer may synchronise the quantum keeper, which resets its local time.
    const sc_core::sc_time before = sc_core::sc_time_stamp() + qk.get_local_time();
    if (!weight_transfer(c.weight_stream_bytes, qk)) return;
    const sc_core::sc_time streamed = sc_core::sc_time_stamp() + qk.get_local_time() - before;
    compute = std::max(compute, streamed) - streamed;
  }
  qk.inc(compute);
  if (qk.need_sync()) qk.sync();
  if (c.output_dram_bytes) {
    const auto& segs = pass.backward.empty() ? pass.forward : pass.backward;
    if (!dram_transfer(true, segs.front().sequence.output_address, c.output_dram_bytes, qk)) return;
  }
  if (tracing_) {
    qk.sync();
    for (auto& s : cu_busy) s.write(false);
    weight_buffer_bytes.write(cost_.resident_bytes());
  }
  actions_.record(c);
  stats_.compute_cycles += c.compute_cycles();
  stats_.weight_load_bytes += c.weight_load_bytes;
  stats_.weight_stream_bytes += c.weight_stream_bytes;
  stats_.input_bytes += c.input_dram_bytes;
  stats_.output_bytes += c.output_dram_bytes;
  stats_.macs += c.macs;
  stats_.busy_unit_cycles += c.macs;
}

Accelerator::PlatformSignals EpurAccelerator::platform_signals() const {
  PlatformSignals s;
  for (std::size_t i = 0; i < cu_busy.size(); ++i)
    s.compute.emplace_back(&cu_busy[i], "cu" + std::to_string(i) + ".busy");
  s.memory.emplace_back(&weight_buffer_bytes, "weight_buffer.bytes");
  return s;
}

}  // namespace ebatch
