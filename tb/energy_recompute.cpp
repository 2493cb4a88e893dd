#include "tb/energy_recompute.h"

#include <stdexcept>

#include "common/errors.h"
#include "hw/energy_counters.h"
#include "hw/platform_models.h"
#include "tb/stats_schema.h"

namespace ebatch {

RecomputedEnergy recompute_energy(const Experiment& e, const YAML::Node& stats) {
  RecomputedEnergy r;
  r.simulated_time_s = stats[stat::kSimulatedTime.path].as<double>();
  r.completed = stats[stat::kRequestsCompleted.path].as<long long>();
  EnergyCounters counters;
  for (const auto& component : stats[stat::kEnergy.path]["components"])
    for (const auto& action : component.second["actions"]) {
      const std::string c = component.first.as<std::string>(), a = action.first.as<std::string>();
      counters.add(counters.action(c, a), action.second["count"].as<double>());
    }
  EnergyCounters::Report report;
  try {
    report = counters.report(e.energy, r.simulated_time_s);
  } catch (const std::out_of_range& err) {
    throw InputError(std::string("the energy table lacks an action the run counted: ") + err.what());
  }
  r.dynamic_j = report.dynamic_j;
  r.leakage_j = make_estimator(e)->leakage_watts() * r.simulated_time_s;
  r.total_j = r.dynamic_j + r.leakage_j;
  r.per_sequence_j = r.completed ? r.total_j / double(r.completed) : 0;
  return r;
}

void scale_energy(EnergyTable& table, const std::string& target, double factor, const std::string& where) {
  if (!(factor >= 0)) throw InputError(where + ": factor " + std::to_string(factor) + " is below 0");
  auto names = [&] {
    std::string n;
    for (const auto& [name, c] : table.components) n += (n.empty() ? "" : ", ") + name;
    return n;
  };
  auto scale_leakage = [&](EnergyComponent& c) {
    c.leakage_w *= factor;
    c.leakage_w_per_mib *= factor;
  };
  if (target == "leakage") {
    for (auto& [name, c] : table.components) scale_leakage(c);
    return;
  }
  const auto dot = target.find('.');
  const std::string component = target.substr(0, dot);
  const auto it = table.components.find(component);
  if (it == table.components.end())
    throw InputError(where + ": '" + target + "': no component '" + component + "' in the energy table (" + names() +
                     "; or leakage for every component's)");
  EnergyComponent& c = it->second;
  if (dot == std::string::npos) {
    for (auto& [action, joules] : c.action_j) joules *= factor;
    return;
  }
  const std::string action = target.substr(dot + 1);
  if (action == "leakage") {
    scale_leakage(c);
    return;
  }
  const auto a = c.action_j.find(action);
  if (a == c.action_j.end()) {
    std::string actions;
    for (const auto& [n, j] : c.action_j) actions += (actions.empty() ? "" : ", ") + n;
    throw InputError(where + ": '" + target + "': component '" + component + "' has no action '" + action + "' (" +
                     actions + ", leakage)");
  }
  a->second *= factor;
}

}  // namespace ebatch
