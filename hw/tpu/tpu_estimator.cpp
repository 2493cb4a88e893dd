#include "hw/tpu/tpu_estimator.h"

namespace ebatch {

TpuActionRecorder::TpuActionRecorder(EnergyCounters& c, Precision precision) : counters_(c) {
  mac_ = c.action("array", std::string("mac_") + to_string(precision));
  fifo_r_ = c.action("weight_fifo", "read_byte");
  fifo_w_ = c.action("weight_fifo", "write_byte");
  ub_r_ = c.action("unified_buffer", "read_byte");
  ub_w_ = c.action("unified_buffer", "write_byte");
  acc_r_ = c.action("accumulators", "read_byte");
  acc_w_ = c.action("accumulators", "write_byte");
  op_ = c.action("activation_unit", "op");
  act_ = c.action("activation_unit", "activation");
}

void TpuActionRecorder::record(const TpuPassCost& c) {
  counters_.add(mac_, c.macs);
  counters_.add(fifo_w_, c.fifo_bytes);
  counters_.add(fifo_r_, c.fifo_bytes);
  counters_.add(ub_r_, c.ub_read_bytes);
  counters_.add(ub_w_, c.ub_write_bytes);
  counters_.add(acc_r_, c.acc_read_bytes);
  counters_.add(acc_w_, c.acc_write_bytes);
  counters_.add(op_, c.act_ops);
  counters_.add(act_, c.activations);
}

double tpu_pass_seconds(const TpuPassCost& c, const HardwareConfig& hw) {
  const double bw = hw.dram.bandwidth_bytes_per_s, lat = hw.dram.latency_s;
  double t = double(c.cycles) / hw.frequency_hz;
  if (c.input_dram_bytes) t += lat + double(c.input_dram_bytes) / bw;
  if (c.output_dram_bytes) t += lat + double(c.output_dram_bytes) / bw;
  return t;
}

void set_tpu_capacities(EnergyCounters& counters, const HardwareConfig& hw) {
  const int bytes = bytes_per_value(hw.precision);
  const auto& tpu = hw.config<TpuConfig>();
  counters.set_capacity("weight_fifo", double(tpu.weight_fifo_tiles) * tpu.rows * tpu.cols * bytes);
  counters.set_capacity("unified_buffer", double(tpu.unified_buffer_bytes));
  counters.set_capacity("accumulators", double(tpu.accumulator_bytes));
}

TpuEstimator::TpuEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table)
    : hw_(hw), cost_(hw, net), recorder_(counters_, hw.precision) {
  bind_table(table);
  set_tpu_capacities(counters_, hw);
  leakage_w_ = counters_.report(table, 1.0).leakage_j;
}

PassEstimate TpuEstimator::estimate(const LayerPass& pass) {
  const TpuPassCost c = cost_.cost(pass);
  recorder_.record(c);
  PassEstimate out;
  out.seconds = tpu_pass_seconds(c, hw_);
  out.dynamic_joules = dynamic_joules(double(c.weight_bytes + c.input_dram_bytes), double(c.output_dram_bytes));
  return out;
}

}  // namespace ebatch
