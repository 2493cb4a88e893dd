#include "hw/tpu/tpu_accelerator.h"

namespace ebatch {

TpuAccelerator::TpuAccelerator(sc_core::sc_module_name name, const Experiment& experiment, EnergyCounters& energy,
                               int slots, int queue_depth)
    : Accelerator(name, experiment, energy, slots, queue_depth),
      array_busy("array_busy"),
      weight_fifo_bytes("weight_fifo_bytes"),
      cost_(experiment.hardware, experiment.network),
      actions_(energy, experiment.hardware.precision) {
  set_tpu_capacities(energy, experiment.hardware);
  stats_.unit_cycle_capacity_per_cycle =
      double(experiment.hardware.config<TpuConfig>().rows) * experiment.hardware.config<TpuConfig>().cols;
}

void TpuAccelerator::execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) {
  const TpuPassCost c = cost_.cost(pass);
  if (c.input_dram_bytes)
    read_inputs(pass, std::uint64_t(experiment_.network.input_size) * bytes_per_value(experiment_.hardware.precision),
                qk);
  if (tracing_) {
    qk.sync();
    array_busy.write(true);
  }
  // Weight fetches are part of the closed form's time: send them for accounting only.
  if (c.weight_bytes && !weight_transfer(c.weight_bytes, qk, false)) return;
  qk.inc(double(c.cycles) * cycle_);
  if (qk.need_sync()) qk.sync();
  fifo_total_ += c.weight_bytes;
  if (tracing_) {
    qk.sync();
    array_busy.write(false);
    weight_fifo_bytes.write(fifo_total_);
  }
  if (c.output_dram_bytes) {
    const auto& segs = pass.backward.empty() ? pass.forward : pass.backward;
    if (!dram_transfer(true, segs.front().sequence.output_address, c.output_dram_bytes, qk)) return;
  }
  actions_.record(c);
  stats_.compute_cycles += c.cycles;
  stats_.weight_load_bytes += c.weight_bytes;
  stats_.input_bytes += c.input_dram_bytes;
  stats_.output_bytes += c.output_dram_bytes;
  stats_.macs += c.macs;
  stats_.busy_unit_cycles += c.macs;
}

Accelerator::PlatformSignals TpuAccelerator::platform_signals() const {
  PlatformSignals s;
  s.compute.emplace_back(&array_busy, "array.busy");
  s.memory.emplace_back(&weight_fifo_bytes, "weight_fifo.bytes");
  return s;
}

}  // namespace ebatch
