#include "hw/onchip.h"

#include <algorithm>

#include "common/units.h"

namespace ebatch {
namespace {

std::uint64_t rows_of(const std::vector<Segment>& segments) {
  std::uint64_t rows = 0;
  for (const auto& s : segments) rows += std::uint64_t(s.end - s.begin);
  return rows;
}

}  // namespace

ActivationWorkingSet activation_working_set(const NetworkSpec& net, const LayerPass& pass, int bytes,
                                            bool inputs_on_chip) {
  ActivationWorkingSet w;
  const auto b = std::uint64_t(bytes);
  const auto in = std::uint64_t(net.layer_input_size(pass.layer));
  const auto h = std::uint64_t(net.hidden_size), g = std::uint64_t(net.gates());
  const std::uint64_t state_values = net.cell == CellType::lstm ? 2 : 1;
  for (const auto* segments : {&pass.forward, &pass.backward}) {
    const std::uint64_t rows = rows_of(*segments);
    if (inputs_on_chip) w.inputs += rows * in * b;
    w.wx = std::max(w.wx, rows * g * h * b);
    w.states += std::uint64_t(segments->size()) * h * b * state_values;
    w.outputs += rows * h * b;
  }
  if (pass.output_rows > 0) w.outputs += std::uint64_t(pass.output_rows) * std::uint64_t(net.output.size) * b;
  return w;
}

std::uint64_t accumulator_working_set(const NetworkSpec& net, const LayerPass& pass) {
  const std::uint64_t gh = std::uint64_t(net.gates()) * std::uint64_t(net.hidden_size);
  std::uint64_t most = 0;
  // A recurrent GEMM's M (the active slots) never exceeds the input half's (the rows).
  for (const auto* segments : {&pass.forward, &pass.backward}) most = std::max(most, rows_of(*segments) * gh);
  if (pass.output_rows > 0) most = std::max(most, std::uint64_t(pass.output_rows) * std::uint64_t(net.output.size));
  return most * 4;
}

std::string capacity_message(const OnChipMemory& m, std::uint64_t working_set) {
  return "hardware.spill: reject: " + m.name + ": a layer pass needs " + units::format_size(double(working_set)) +
         " (" + std::to_string(working_set) + " B) on chip, capacity " + units::format_size(double(m.capacity)) + " (" +
         std::to_string(m.capacity) + " B); raise hardware." + m.key +
         ", use a smaller window or batch, or set hardware.spill: dram";
}

OnChipUse apply_spill(SpillMode mode, const OnChipMemory& m, std::uint64_t working_set) {
  OnChipUse use;
  use.working_set = working_set;
  if (working_set > m.capacity && mode == SpillMode::dram) use.spill_bytes = working_set - m.capacity;
  return use;
}

void check_fits(const std::vector<OnChipMemory>& memories, const std::vector<OnChipUse>& uses) {
  for (std::size_t i = 0; i < memories.size() && i < uses.size(); ++i)
    if (uses[i].working_set > memories[i].capacity)
      throw CapacityError(capacity_message(memories[i], uses[i].working_set));
}

}  // namespace ebatch
