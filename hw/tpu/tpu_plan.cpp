#include "hw/tpu/tpu_plan.h"

namespace ebatch {

TpuPlanner::TpuPlanner(const HardwareConfig& hw, const NetworkSpec& net) : hw_(hw), cost_(hw, net), capacity_(hw, net) {
  names_ = {{"array", std::string("mac_") + to_string(hw.precision)},
            {"weight_fifo", "read_byte"},
            {"weight_fifo", "write_byte"},
            {"unified_buffer", "read_byte"},
            {"unified_buffer", "write_byte"},
            {"accumulators", "read_byte"},
            {"accumulators", "write_byte"},
            {"activation_unit", "op"},
            {"activation_unit", "activation"}};
}

void TpuPlanner::set_capacities(EnergyCounters& counters) const {
  const int bytes = bytes_per_value(hw_.precision);
  const auto& tpu = hw_.config<TpuConfig>();
  counters.set_capacity("weight_fifo", double(tpu.weight_fifo_tiles) * tpu.rows * tpu.cols * bytes);
  counters.set_capacity("unified_buffer", double(tpu.unified_buffer_bytes));
  counters.set_capacity("accumulators", double(tpu.accumulator_bytes));
}

void TpuPlanner::plan(const LayerPass& pass, PassPlan& out) {
  plan_cost(cost_.cost(pass), out);
  capacity_.apply(pass, out);
}

void TpuPlanner::plan_cost(const TpuPassCost& c, PassPlan& out) const {
  using Kind = PlanPhase::Kind;
  out.clear();
  if (c.input_dram_bytes) out.add(Kind::input_read, 0, c.input_dram_bytes);
  out.add(Kind::compute, c.cycles, c.weight_bytes, /*timed=*/false);
  if (c.output_dram_bytes) out.add(Kind::output_write, 0, c.output_dram_bytes);
  out.actions = {c.macs,           c.fifo_bytes,      c.fifo_bytes, c.ub_read_bytes, c.ub_write_bytes,
                 c.acc_read_bytes, c.acc_write_bytes, c.act_ops,    c.activations};
  out.totals = {c.cycles, c.weight_bytes, 0, c.input_dram_bytes, c.output_dram_bytes, c.macs};
}

}  // namespace ebatch
