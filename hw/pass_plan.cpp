#include "hw/pass_plan.h"

#include <algorithm>

#include "hw/dram_timing.h"

namespace ebatch {

void PassPlan::clear() {
  phases.clear();
  actions.clear();
  onchip.clear();
  totals = Totals{};
}

std::uint64_t PassPlan::dram_read_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& p : phases)
    if (p.kind != PlanPhase::Kind::output_write && p.kind != PlanPhase::Kind::spill_write) bytes += p.bytes;
  return bytes;
}

std::uint64_t PassPlan::dram_write_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& p : phases)
    if (p.kind == PlanPhase::Kind::output_write || p.kind == PlanPhase::Kind::spill_write) bytes += p.bytes;
  return bytes;
}

void PassPlan::add_spill_phases() {
  std::uint64_t written = 0, read = 0;
  for (const OnChipUse& u : onchip) written += u.spill_bytes, read += u.spill_read_bytes;
  if (written) add(PlanPhase::Kind::spill_write, 0, written);
  if (read) add(PlanPhase::Kind::spill_read, 0, read);
}

double phase_seconds(const PlanPhase& p, const HardwareConfig& hw) {
  const double transfer = p.bytes && p.timed ? dram_transfer_seconds(hw.dram, p.bytes) : 0.0;
  if (p.kind != PlanPhase::Kind::compute) return transfer;
  return std::max(double(p.compute_cycles) / hw.frequency_hz, transfer);
}

double plan_seconds(const PassPlan& plan, const HardwareConfig& hw) {
  double t = 0;
  for (const auto& p : plan.phases) t += phase_seconds(p, hw);
  return t;
}

PlanActionRecorder::PlanActionRecorder(EnergyCounters& counters, const PassPlanner& planner) : counters_(counters) {
  const auto& names = planner.action_names();
  ids_.reserve(names.size());
  for (const auto& [component, action] : names) ids_.push_back(counters.action(component, action));
  for (const OnChipMemory& m : planner.onchip_memories()) memories_.push_back(counters.onchip_memory(m));
}

void PlanActionRecorder::record(const PassPlan& plan) {
  for (std::size_t i = 0; i < ids_.size(); ++i) counters_.add(ids_[i], plan.actions[i]);
  for (std::size_t i = 0; i < memories_.size() && i < plan.onchip.size(); ++i)
    counters_.note_onchip(memories_[i], plan.onchip[i]);
}

PlanEstimator::PlanEstimator(std::unique_ptr<PassPlanner> planner, const HardwareConfig& hw, const EnergyTable& table)
    : planner_(std::move(planner)), hw_(hw), recorder_(counters_, *planner_) {
  bind_table(table);
  planner_->set_capacities(counters_);
  leakage_w_ = counters_.report(table, 1.0).leakage_j;
}

PassEstimate PlanEstimator::estimate(const LayerPass& pass) {
  planner_->plan(pass, plan_);
  if (hw_.spill == SpillMode::reject) check_fits(planner_->onchip_memories(), plan_.onchip);
  recorder_.record(plan_);
  PassEstimate out;
  out.seconds = plan_seconds(plan_, hw_);
  out.dynamic_joules = dynamic_joules(double(plan_.dram_read_bytes()), double(plan_.dram_write_bytes()));
  return out;
}

}  // namespace ebatch
