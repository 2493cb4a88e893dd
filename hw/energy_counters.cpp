#include "hw/energy_counters.h"

#include <stdexcept>

namespace ebatch {

std::size_t EnergyCounters::onchip_memory(const OnChipMemory& memory) {
  for (std::size_t i = 0; i < onchip_.size(); ++i)
    if (onchip_[i].memory.name == memory.name) return i;
  onchip_.push_back({memory});
  return onchip_.size() - 1;
}

EnergyCounters::ActionId EnergyCounters::action(const std::string& component, const std::string& action) {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].component == component && keys_[i].action == action) return i;
  keys_.push_back({component, action});
  counts_.push_back(0);
  return keys_.size() - 1;
}

double EnergyCounters::count(const std::string& component, const std::string& action) const {
  double total = 0;
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].component == component && keys_[i].action == action) total += counts_[i];
  return total;
}

std::vector<double> EnergyCounters::joules_per_action(const EnergyTable& table) const {
  std::vector<double> out(keys_.size());
  for (std::size_t i = 0; i < keys_.size(); ++i) out[i] = table.action(keys_[i].component, keys_[i].action);
  return out;
}

double EnergyCounters::dynamic_joules(const std::vector<double>& joules_per_action) const {
  double sum = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) sum += counts_[i] * joules_per_action[i];
  return sum;
}

EnergyCounters::Report EnergyCounters::report(const EnergyTable& table, double seconds) const {
  Report r;
  for (const auto& [name, comp] : table.components) {
    const auto cap = capacity_.find(name);
    ComponentEnergy& ce = r.components[name];
    const auto lanes = lanes_.find(name);
    ce.leakage_j =
        table.leakage(name, cap == capacity_.end() ? 0.0 : cap->second, lanes == lanes_.end() ? 1.0 : lanes->second) *
        seconds;
    r.leakage_j += ce.leakage_j;
  }
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const double joules = counts_[i] * table.action(keys_[i].component, keys_[i].action);
    ComponentEnergy& ce = r.components[keys_[i].component];
    ce.action_counts[keys_[i].action] += counts_[i];
    ce.action_j[keys_[i].action] += joules;
    ce.dynamic_j += joules;
    r.dynamic_j += joules;
  }
  return r;
}

}  // namespace ebatch
