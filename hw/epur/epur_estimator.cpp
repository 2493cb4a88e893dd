#include "hw/epur/epur_estimator.h"

#include <algorithm>

namespace ebatch {

EpurActionRecorder::EpurActionRecorder(EnergyCounters& c, Precision precision) : counters_(c) {
  const std::string p = to_string(precision);
  mac_ = c.action("dpu", "mac_" + p);
  op_ = c.action("mfu", "op_" + p);
  act_ = c.action("mfu", "activation_" + p);
  wb_r_ = c.action("weight_buffer", "read_byte");
  wb_w_ = c.action("weight_buffer", "write_byte");
  ib_r_ = c.action("input_buffer", "read_byte");
  ib_w_ = c.action("input_buffer", "write_byte");
  im_r_ = c.action("intermediate_memory", "read_byte");
  im_w_ = c.action("intermediate_memory", "write_byte");
}

void EpurActionRecorder::record(const PassCost& c) {
  counters_.add(mac_, c.macs);
  counters_.add(op_, c.mfu_ops);
  counters_.add(act_, c.mfu_activations);
  counters_.add(wb_r_, c.wb_read_bytes);
  counters_.add(wb_w_, c.wb_write_bytes);
  counters_.add(ib_r_, c.ib_read_bytes);
  counters_.add(ib_w_, c.ib_write_bytes);
  counters_.add(im_r_, c.im_read_bytes);
  counters_.add(im_w_, c.im_write_bytes);
}

void set_epur_capacities(EnergyCounters& counters, const HardwareConfig& hw) {
  const auto& e = hw.config<EpurConfig>();
  counters.set_capacity("weight_buffer", double(e.weight_buffer_bytes) * e.compute_units);
  counters.set_capacity("input_buffer", double(e.input_buffer_bytes) * e.compute_units);
  counters.set_capacity("intermediate_memory", double(e.intermediate_memory_bytes));
}

double epur_pass_seconds(const PassCost& c, const HardwareConfig& hw) {
  const double bw = hw.dram.bandwidth_bytes_per_s, lat = hw.dram.latency_s;
  double t = 0;
  if (c.weight_load_bytes) t += lat + double(c.weight_load_bytes) / bw;
  if (c.input_dram_bytes) t += lat + double(c.input_dram_bytes) / bw;
  const double compute = double(c.compute_cycles()) / hw.frequency_hz;
  const double stream = c.weight_stream_bytes ? lat + double(c.weight_stream_bytes) / bw : 0.0;
  t += std::max(compute, stream);
  if (c.output_dram_bytes) t += lat + double(c.output_dram_bytes) / bw;
  return t;
}

EpurEstimator::EpurEstimator(const HardwareConfig& hw, const NetworkSpec& net, const EnergyTable& table)
    : hw_(hw), cost_(hw, net), recorder_(counters_, hw.precision) {
  bind_table(table);
  set_epur_capacities(counters_, hw);
  leakage_w_ = counters_.report(table, 1.0).leakage_j;
}

PassEstimate EpurEstimator::estimate(const LayerPass& pass) {
  const PassCost c = cost_.cost(pass);
  recorder_.record(c);
  PassEstimate out;
  out.seconds = epur_pass_seconds(c, hw_);
  out.dynamic_joules = dynamic_joules(double(c.weight_load_bytes + c.weight_stream_bytes + c.input_dram_bytes),
                                      double(c.output_dram_bytes));
  return out;
}

}  // namespace ebatch
