// Accelerator::execute_plan: a platform's pass plan (hw/pass_plan.h) carried out through
// TLM with time attached. The estimator (PlanEstimator) adds up the same phases untimed.
#include <algorithm>
#include <string>

#include "hw/accelerator.h"

namespace ebatch {

void Accelerator::use_planner(std::unique_ptr<PassPlanner> planner) {
  planner_ = std::move(planner);
  plan_actions_ = std::make_unique<PlanActionRecorder>(energy_, *planner_);
  planner_->set_capacities(energy_);
}

void Accelerator::execute_pass(const LayerPass& pass, tlm_utils::tlm_quantumkeeper& qk) {
  planner_->plan(pass, plan_);
  const double start = pass_observer_ ? now_s(qk) : 0.0;
  if (!execute_plan(pass, plan_, qk)) return;
  if (pass_observer_) pass_observer_(pass, plan_, start, now_s(qk));
  plan_actions_->record(plan_);
  const PassPlan::Totals& t = plan_.totals;
  stats_.compute_cycles += t.compute_cycles;
  stats_.weight_load_bytes += t.weight_load_bytes;
  stats_.weight_stream_bytes += t.weight_stream_bytes;
  stats_.input_bytes += t.input_bytes;
  stats_.output_bytes += t.output_bytes;
  stats_.macs += t.macs;
  stats_.busy_unit_cycles += t.macs;
}

bool Accelerator::execute_plan(const LayerPass& pass, const PassPlan& plan, tlm_utils::tlm_quantumkeeper& qk) {
  using Kind = PlanPhase::Kind;
  const std::uint64_t input_bytes_per_step =
      std::uint64_t(experiment_.network.input_size) * bytes_per_value(experiment_.hardware.precision);
  for (const PlanPhase& phase : plan.phases) {
    switch (phase.kind) {
      case Kind::weight_load: {
        const double start = now_s(qk);
        if (!weight_transfer(phase.bytes, qk, phase.timed)) return false;
        if (timeline_)
          timeline_->complete("accelerator", "weight loads", "layer " + std::to_string(pass.layer) + " weights", start,
                              now_s(qk), {{"bytes", std::to_string(phase.bytes)}});
        break;
      }
      case Kind::input_read:
        read_inputs(pass, input_bytes_per_step, qk);
        break;
      case Kind::compute: {
        on_compute_begin(qk);
        sc_core::sc_time compute = double(phase.compute_cycles) * cycle_;
        if (phase.bytes && phase.timed) {
          // Weights streamed during compute: the slower of the two sets the pace. Absolute
          // times: dram_transfer may synchronise the quantum keeper, which resets its local time.
          const sc_core::sc_time before = sc_core::sc_time_stamp() + qk.get_local_time();
          if (!weight_transfer(phase.bytes, qk)) return false;
          const sc_core::sc_time streamed = sc_core::sc_time_stamp() + qk.get_local_time() - before;
          compute = std::max(compute, streamed) - streamed;
        } else if (phase.bytes && !weight_transfer(phase.bytes, qk, false)) {
          return false;  // counted by the DRAM, its time already in the compute cycles
        }
        qk.inc(compute);
        if (qk.need_sync()) qk.sync();
        on_compute_end(plan, qk);
        break;
      }
      case Kind::output_write: {
        const auto& segs = pass.backward.empty() ? pass.forward : pass.backward;
        if (!dram_transfer(true, segs.front().sequence.output_address, phase.bytes, qk)) return false;
        break;
      }
      case Kind::spill_write:
      case Kind::spill_read: {
        // The spill region: the top of DRAM (the runtime lays its buffers out from the bottom).
        const std::uint64_t capacity = experiment_.hardware.dram.capacity_bytes;
        const std::uint64_t address = capacity - std::min(capacity, phase.bytes);
        if (!dram_transfer(phase.kind == Kind::spill_write, address, phase.bytes, qk)) return false;
        break;
      }
    }
  }
  on_pass_end(qk);
  return true;
}

}  // namespace ebatch
