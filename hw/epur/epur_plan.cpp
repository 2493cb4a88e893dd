#include "hw/epur/epur_plan.h"

#include <algorithm>

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
  counters.set_lanes("dpu", double(e.dot_product_lanes));  // the table's dpu leakage: all CUs, one lane each
}

void EpurPlanner::plan(const LayerPass& pass, PassPlan& out) {
  using Kind = PlanPhase::Kind;
  const PassCost c = cost_.cost(pass);
  out.clear();
  // Serial: the whole load first. Overlapped: the first chunk first, the rest under the
  // compute that consumes rows as they arrive (the slower of the two sets the pace).
  const bool chunked = c.first_chunk_bytes > 0;
  const std::uint64_t exposed = chunked ? c.first_chunk_bytes : c.weight_load_bytes;
  if (exposed) out.add(Kind::weight_load, 0, exposed);
  if (c.input_dram_bytes) out.add(Kind::input_read, 0, c.input_dram_bytes);
  std::uint64_t cycles = c.compute_cycles();
  if (chunked && c.weight_load_bytes > exposed) {
    const std::uint64_t window = std::min(c.overlap_cycles, cycles);
    out.add(Kind::compute, window, c.weight_load_bytes - exposed);
    cycles -= window;
  }
  // Weights re-streamed every step and the next layer's prefetch run under the rest.
  const std::uint64_t streamed = c.weight_stream_bytes + c.prefetch_bytes;
  if (cycles || streamed || out.phases.empty() || out.phases.back().kind != Kind::compute)
    out.add(Kind::compute, cycles, streamed);
  if (c.output_dram_bytes) out.add(Kind::output_write, 0, c.output_dram_bytes);
  out.actions = {c.macs,          c.mfu_ops,        c.mfu_activations, c.wb_read_bytes, c.wb_write_bytes,
                 c.ib_read_bytes, c.ib_write_bytes, c.im_read_bytes,   c.im_write_bytes};
  out.totals = {c.compute_cycles(),    c.weight_load_bytes + c.prefetch_bytes,
                c.weight_stream_bytes, c.input_dram_bytes,
                c.output_dram_bytes,   c.macs};
  capacity_.apply(pass, out);
}

}  // namespace ebatch
