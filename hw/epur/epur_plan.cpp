#include "hw/epur/epur_plan.h"

namespace ebatch {

EpurPlanner::EpurPlanner(const HardwareConfig& hw, const NetworkSpec& net)
    : hw_(hw), cost_(hw, net), capacity_(hw, net) {
  const std::string p = to_string(hw.precision);
  names_ = {{"dpu", "mac_" + p},
            {"mfu", "op_" + p},
            {"mfu", "activation_" + p},
            {"weight_buffer", "read_byte"},
            {"weight_buffer", "write_byte"},
            {"input_buffer", "read_byte"},
            {"input_buffer", "write_byte"},
            {"intermediate_memory", "read_byte"},
            {"intermediate_memory", "write_byte"}};
}

void EpurPlanner::set_capacities(EnergyCounters& counters) const {
  const auto& e = hw_.config<EpurConfig>();
  counters.set_capacity("weight_buffer", double(e.weight_buffer_bytes) * e.compute_units);
  counters.set_capacity("input_buffer", double(e.input_buffer_bytes) * e.compute_units);
  counters.set_capacity("intermediate_memory", double(e.intermediate_memory_bytes));
}

void EpurPlanner::plan(const LayerPass& pass, PassPlan& out) {
  using Kind = PlanPhase::Kind;
  const PassCost c = cost_.cost(pass);
  out.clear();
  if (c.weight_load_bytes) out.add(Kind::weight_load, 0, c.weight_load_bytes);
  if (c.input_dram_bytes) out.add(Kind::input_read, 0, c.input_dram_bytes);
  out.add(Kind::compute, c.compute_cycles(), c.weight_stream_bytes);
  if (c.output_dram_bytes) out.add(Kind::output_write, 0, c.output_dram_bytes);
  out.actions = {c.macs,          c.mfu_ops,        c.mfu_activations, c.wb_read_bytes, c.wb_write_bytes,
                 c.ib_read_bytes, c.ib_write_bytes, c.im_read_bytes,   c.im_write_bytes};
  out.totals = {c.compute_cycles(), c.weight_load_bytes, c.weight_stream_bytes,
                c.input_dram_bytes, c.output_dram_bytes, c.macs};
  capacity_.apply(pass, out);
}

}  // namespace ebatch
