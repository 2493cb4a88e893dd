#include "common/energy_table.h"

#include <stdexcept>

namespace ebatch {

double EnergyTable::action(const std::string& component, const std::string& action) const {
  const auto c = components.find(component);
  if (c == components.end()) throw std::out_of_range("energy table has no component '" + component + "'");
  const auto a = c->second.action_j.find(action);
  if (a == c->second.action_j.end())
    throw std::out_of_range("energy table has no action '" + component + "." + action + "'");
  return a->second;
}

double EnergyTable::leakage(const std::string& component, double capacity_bytes, double lanes) const {
  const auto c = components.find(component);
  if (c == components.end()) throw std::out_of_range("energy table has no component '" + component + "'");
  return c->second.leakage_w * lanes + c->second.leakage_w_per_mib * capacity_bytes / (1024.0 * 1024.0);
}

const std::vector<VocabularyEntry>& energy_vocabulary(Platform platform) { return platform->energy_vocabulary; }

}  // namespace ebatch
