// Energy per action and leakage per component, loaded from configs/energy/*.yaml.
//
// Energy of a run = sum over components of (action counts x energy per action)
// + leakage power x simulated time. The table holds no counts; hw modules
// count actions by the names in energy_vocabulary(), which is also what the
// loader checks the table against (every name present, no unknown names).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/platform.h"

namespace ebatch {

struct EnergyComponent {
  std::map<std::string, double> action_j;  // joules per action
  double leakage_w = 0;                    // fixed static power of the component
  double leakage_w_per_mib = 0;            // static power per MiB of the component's capacity
};

struct EnergyTable {
  std::string name;
  std::string technology;
  std::map<std::string, EnergyComponent> components;

  // Joules per action; throws std::out_of_range naming the pair if absent.
  double action(const std::string& component, const std::string& action) const;
  // Static power of a component with `capacity_bytes` of storage (0 for logic); its fixed
  // leakage is the table's figure for one lane, times `lanes` (E-PUR's dot-product lanes).
  double leakage(const std::string& component, double capacity_bytes, double lanes = 1) const;
};

// Components and their actions that a platform's model counts (declared by the platform).
const std::vector<VocabularyEntry>& energy_vocabulary(Platform platform);

}  // namespace ebatch
