// The plan of one layer pass on a platform (untimed core): its phases in order, each
// some compute cycles and/or one DRAM transfer, plus the pass's action counts for energy
// and its totals for the accelerator's counters.
//
// One planner per platform (hw/epur/epur_plan.h, hw/tpu/tpu_plan.h) makes the plan from
// its closed-form cost model. The SystemC shell (Accelerator::execute_plan) issues the
// plan's transfers through TLM and attaches time; the estimator (PlanEstimator) only adds
// the same phases up (plan_seconds). So both read one description of a pass, and differ
// only where the timed model sees more (documented in docs/ARCHITECTURE.md, "Pass plans"):
// DRAM contention with host transfers, one DRAM latency per burst of a long transfer, and,
// for a whole run, register accesses, interrupts and the host's reaction.
//
// Phase timing: a phase with both compute and a timed transfer overlaps them (the slower
// sets the pace: max); an untimed transfer is one whose time the compute cycles already
// include (the TPU's closed form models its own weight fetches): the DRAM still sees it,
// for its byte counts and for contention, but it adds no time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/energy_table.h"
#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/energy_counters.h"
#include "hw/onchip.h"
#include "hw/table_estimator.h"

namespace ebatch {

struct PlanPhase {
  enum class Kind : std::uint8_t {
    weight_load,   // weights read from DRAM before compute starts
    input_read,    // layer-0 inputs of every segment, one gather read (latency paid once)
    compute,       // the pass's compute cycles, overlapped with `bytes` of weights streamed from DRAM
    output_write,  // final outputs written to the head sequence's output buffer
    spill_write,   // on-chip working set beyond capacity written to DRAM (hardware.spill: dram)
    spill_read,    // ... and read back
  };
  Kind kind = Kind::compute;
  std::uint64_t compute_cycles = 0;
  std::uint64_t bytes = 0;  // DRAM bytes (weights for weight_load and compute)
  bool timed = true;        // false: the bytes' time is inside compute_cycles (counted, not timed)
};

struct PassPlan {
  std::vector<PlanPhase> phases;  // run one after another
  std::vector<double> actions;    // counts, in the planner's action_names() order
  std::vector<OnChipUse> onchip;  // working set and spill, in the planner's onchip_memories() order
  // Totals for the accelerator's counters (AcceleratorStats).
  struct Totals {
    std::uint64_t compute_cycles = 0;
    std::uint64_t weight_load_bytes = 0, weight_stream_bytes = 0;
    std::uint64_t input_bytes = 0, output_bytes = 0;
    double macs = 0;
  } totals;

  // Empties the plan, keeping its storage (plans are reused pass after pass); the planner
  // then sets every action count.
  void clear();
  void add(PlanPhase::Kind kind, std::uint64_t compute_cycles, std::uint64_t bytes, bool timed = true) {
    phases.push_back({kind, compute_cycles, bytes, timed});
  }
  std::uint64_t dram_read_bytes() const;   // every phase's reads, timed or not
  std::uint64_t dram_write_bytes() const;  // output and spill writes
  // The spill phases of `onchip` (hw/onchip.h): the bytes every memory spills written to
  // DRAM, then the spilled bytes this pass reads back (its own excess, and held activations
  // that an earlier pass spilled); nothing when nothing spills. Planners call it after compute.
  void add_spill_phases();
};

// Seconds of one phase and of a whole plan on an otherwise idle DRAM channel.
double phase_seconds(const PlanPhase& phase, const HardwareConfig& hw);
double plan_seconds(const PassPlan& plan, const HardwareConfig& hw);

// A platform's planner: the closed-form cost of a pass as a plan.
class PassPlanner {
 public:
  using ActionName = std::pair<std::string, std::string>;  // (component, action)
  virtual ~PassPlanner() = default;
  // The actions every plan counts, in the order of PassPlan::actions.
  virtual const std::vector<ActionName>& action_names() const = 0;
  // The plan of `pass`; may update on-chip state (which weights are resident).
  virtual void plan(const LayerPass& pass, PassPlan& out) = 0;
  // Forgets on-chip state.
  virtual void reset() {}
  // Storage behind each component's capacity-scaled leakage.
  virtual void set_capacities(EnergyCounters& counters) const = 0;
  // The on-chip memories whose working set each plan reports (PassPlan::onchip).
  virtual const std::vector<OnChipMemory>& onchip_memories() const {
    static const std::vector<OnChipMemory> none;
    return none;
  }
};

// Adds a plan's action counts to a set of counters (DRAM bytes are counted by the DRAM),
// and its on-chip working sets to the counters' on-chip records.
class PlanActionRecorder {
 public:
  PlanActionRecorder(EnergyCounters& counters, const PassPlanner& planner);
  void record(const PassPlan& plan);

 private:
  EnergyCounters& counters_;
  std::vector<EnergyCounters::ActionId> ids_;
  std::vector<std::size_t> memories_;
};

// The untimed estimate of a pass: the planner's plan added up (for the window tuner and
// quick what-if loops).
class PlanEstimator : public TableEstimator {
 public:
  PlanEstimator(std::unique_ptr<PassPlanner> planner, const HardwareConfig& hw, const EnergyTable& table);
  // Under hardware.spill: reject, throws CapacityError for a pass that does not fit.
  PassEstimate estimate(const LayerPass& pass) override;
  void reset() override { planner_->reset(); }
  const PassPlan& last_plan() const { return plan_; }

 private:
  std::unique_ptr<PassPlanner> planner_;
  HardwareConfig hw_;
  PlanActionRecorder recorder_;
  PassPlan plan_;
};

}  // namespace ebatch
