// The energy of a finished run under another energy table, without simulating again:
// the run's action counts (stats.json energy_j.components.<c>.actions.<a>.count) and its
// simulated time, through the one implementation of energy = counts x table + leakage x
// time (EnergyCounters::report, and the platform's leakage power as its estimator computes
// it from the same capacities the timed model sets). For `ebatch energy` and the ranges
// of `ebatch reproduce`: energy-only parameters (pJ per action, leakage) need no rerun.
#pragma once

#include <yaml-cpp/yaml.h>

#include "common/experiment.h"

namespace ebatch {

struct RecomputedEnergy {
  double total_j = 0, dynamic_j = 0, leakage_j = 0, per_sequence_j = 0;
  long long completed = 0;
  double simulated_time_s = 0;
};

// `e`: the run's experiment (its resolved.yaml, with any energy overrides); `stats`: its
// stats.json. Throws InputError naming the action when the table lacks one the run counted,
// YAML::Exception when stats.json lacks a key.
RecomputedEnergy recompute_energy(const Experiment& e, const YAML::Node& stats);

// Multiplies figures of `table` by `factor`. `target`: "leakage" (every component's leakage),
// "COMPONENT" (its energy per action, every action), "COMPONENT.ACTION" or "COMPONENT.leakage".
// InputError (naming `where`, the target and the components) for an unknown target or a
// factor below 0.
void scale_energy(EnergyTable& table, const std::string& target, double factor, const std::string& where);

}  // namespace ebatch
