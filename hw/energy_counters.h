// Action counters of the hardware components and the energy report built
// from them: energy = counts x the energy table (pJ per action) + leakage x time.
//
// Components register an action once (ActionId) and then add counts in the
// hot path with a single indexed add. No energy number lives here: all come
// from the EnergyTable loaded from configs/energy/*.yaml.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/energy_table.h"
#include "common/invariant.h"
#include "hw/onchip_memory.h"

namespace ebatch {

class EnergyCounters {
 public:
  using ActionId = std::size_t;

  // Registers (or finds) a counter for component.action.
  ActionId action(const std::string& component, const std::string& action);
  void add(ActionId id, double count) {
    EBATCH_INVARIANT(count >= 0, "energy counters only grow (negative count " + std::to_string(count) + ")");
    counts_[id] += count;
  }
  double count(const std::string& component, const std::string& action) const;

  // Storage capacity behind a component's capacity-scaled leakage (bytes).
  void set_capacity(const std::string& component, double bytes) { capacity_[component] = bytes; }
  // Datapath lanes of a component: its fixed leakage (the table's, for one lane) times this.
  void set_lanes(const std::string& component, double lanes) { lanes_[component] = lanes; }

  // On-chip working sets (hw/onchip.h), per memory: its capacity, the largest working set
  // of a pass, the passes whose working set exceeded the capacity and the bytes spilled to
  // DRAM (written; as many are read back). Not energy: kept beside the counts that the
  // planners' recorders feed (PlanActionRecorder), for stats.json's onchip.*.
  // Also the largest held activations between passes and the mean working set of a pass.
  struct OnChip {
    OnChipMemory memory;  // name, capacity key, capacity
    std::uint64_t peak = 0, passes_over = 0, spill_bytes = 0, held_peak = 0, passes = 0;
    double working_set_sum = 0;
    std::uint64_t mean() const { return passes ? std::uint64_t(working_set_sum / double(passes) + 0.5) : 0; }
  };
  // Registers (or finds) a memory; its id for note_onchip.
  std::size_t onchip_memory(const OnChipMemory& memory);
  void note_onchip(std::size_t id, const OnChipUse& use) {
    OnChip& m = onchip_[id];
    m.peak = std::max(m.peak, use.working_set);
    m.passes_over += use.working_set > m.memory.capacity;
    m.spill_bytes += use.spill_bytes;
    m.held_peak = std::max(m.held_peak, use.held_bytes);
    ++m.passes;
    m.working_set_sum += double(use.working_set);
  }
  const std::vector<OnChip>& onchip() const { return onchip_; }

  struct ComponentEnergy {
    double dynamic_j = 0, leakage_j = 0;
    std::map<std::string, double> action_counts;
    std::map<std::string, double> action_j;
    double total_j() const { return dynamic_j + leakage_j; }
  };
  struct Report {
    std::map<std::string, ComponentEnergy> components;
    double dynamic_j = 0, leakage_j = 0;
    double total_j() const { return dynamic_j + leakage_j; }
  };
  // Every component of `table` gets leakage for `seconds`; counted actions must exist in it.
  Report report(const EnergyTable& table, double seconds) const;

  // Fast path for estimators: joules per action, in ActionId order, looked up once;
  // then dynamic energy = sum of counts x those, and clear() for the next estimate.
  std::vector<double> joules_per_action(const EnergyTable& table) const;
  double dynamic_joules(const std::vector<double>& joules_per_action) const;
  void clear() { std::fill(counts_.begin(), counts_.end(), 0.0); }

 private:
  struct Key {
    std::string component, action;
  };
  std::vector<Key> keys_;
  std::vector<double> counts_;
  std::map<std::string, double> capacity_;
  std::vector<OnChip> onchip_;
  std::map<std::string, double> lanes_;
};

}  // namespace ebatch
