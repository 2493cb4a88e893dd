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

double EnergyTable::leakage(const std::string& component, double capacity_bytes) const {
  const auto c = components.find(component);
  if (c == components.end()) throw std::out_of_range("energy table has no component '" + component + "'");
  return c->second.leakage_w + c->second.leakage_w_per_mib * capacity_bytes / (1024.0 * 1024.0);
}

const std::vector<VocabularyEntry>& energy_vocabulary(Platform platform) {
  // Memories count bytes moved; arithmetic counts operations.
  static const std::vector<VocabularyEntry> epur = {
      {"dpu", {"mac_fp16", "mac_fp32"}, "dot-product units: one multiply-accumulate per lane"},
      {"mfu",
       {"op_fp16", "op_fp32", "activation_fp16", "activation_fp32"},
       "multifunctional units: element-wise add/multiply, sigmoid/tanh"},
      {"weight_buffer", {"read_byte", "write_byte"}, "per-unit weight buffers"},
      {"input_buffer", {"read_byte", "write_byte"}, "per-unit input buffers"},
      {"intermediate_memory", {"read_byte", "write_byte"}, "shared intermediate memory"},
      {"dram", {"read_byte", "write_byte"}, "main memory (LPDDR4)"},
      {"control", {"register_access", "interrupt"}, "register map, sequencer and interrupt logic"},
  };
  static const std::vector<VocabularyEntry> tpu = {
      {"array", {"mac_int8", "mac_bf16", "mac_fp16", "mac_fp32"}, "systolic array: one MAC per PE per cycle"},
      {"weight_fifo", {"read_byte", "write_byte"}, "weight FIFO between DRAM and the array"},
      {"unified_buffer", {"read_byte", "write_byte"}, "activation storage"},
      {"accumulators", {"read_byte", "write_byte"}, "32-bit accumulators below the array"},
      {"activation_unit", {"op", "activation"}, "element-wise ops and sigmoid/tanh"},
      {"dram", {"read_byte", "write_byte"}, "weight memory (DDR3)"},
      {"control", {"register_access", "interrupt"}, "register map, sequencer and interrupt logic"},
  };
  return platform == Platform::epur ? epur : tpu;
}

}  // namespace ebatch
