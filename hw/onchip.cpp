#include "hw/onchip.h"

#include <algorithm>
#include <string>

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

std::string capacity_message(const OnChipMemory& m, std::uint64_t working_set, std::uint64_t held) {
  const std::string of_held =
      held ? ", " + std::to_string(held) + " B of them activations held for later passes" : std::string();
  return "hardware.spill: reject: " + m.name + ": a layer pass needs " + units::format_size(double(working_set)) +
         " (" + std::to_string(working_set) + " B) on chip" + of_held + ", capacity " +
         units::format_size(double(m.capacity)) + " (" + std::to_string(m.capacity) + " B); raise hardware." + m.key +
         ", use a smaller window or batch, or set hardware.spill: dram";
}

OnChipUse apply_spill(SpillMode mode, const OnChipMemory& m, std::uint64_t working_set) {
  OnChipUse use;
  use.working_set = working_set;
  if (working_set > m.capacity && mode == SpillMode::dram)
    use.spill_bytes = use.spill_read_bytes = working_set - m.capacity;
  return use;
}

void check_fits(const std::vector<OnChipMemory>& memories, const std::vector<OnChipUse>& uses) {
  for (std::size_t i = 0; i < memories.size() && i < uses.size(); ++i)
    if (uses[i].working_set > memories[i].capacity)
      throw CapacityError(capacity_message(memories[i], uses[i].working_set, uses[i].held_in_working_set));
}

HeldActivations::HeldActivations(const NetworkSpec& net, int bytes)
    : bidirectional_(net.bidirectional),
      layers_(net.num_layers),
      encoder_top_(net.encoder_decoder() ? net.encoder_layers - 1 : -1),
      half_(std::uint64_t(net.hidden_size) * std::uint64_t(bytes)),
      step_(std::uint64_t(net.layer_output_size()) * std::uint64_t(bytes)) {}

int HeldActivations::find(int layer, const Segment& s) const {
  if (std::size_t(layer) >= entries_.size() || std::size_t(s.slot) >= entries_[std::size_t(layer)].size()) return -1;
  const auto& v = entries_[std::size_t(layer)][std::size_t(s.slot)];
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].id == s.sequence.id) return int(i);
  return -1;
}

std::vector<HeldActivations::Entry>& HeldActivations::entries(int layer, int slot) {
  if (std::size_t(layer) >= entries_.size()) entries_.resize(std::size_t(layer) + 1);
  auto& slots = entries_[std::size_t(layer)];
  if (std::size_t(slot) >= slots.size()) slots.resize(std::size_t(slot) + 1);
  return slots[std::size_t(slot)];
}

HeldActivations::Recount HeldActivations::recount() const {
  Recount r;
  for (const auto& layer : entries_)
    for (const auto& slot : layer)
      for (const Entry& e : slot) r.held += held_of(e), r.spilled += e.spilled;
  return r;
}

void HeldActivations::reset() {
  entries_.clear();
  finished_.clear();
  held_ = spilled_ = 0;
  touches_.clear();
}

std::uint64_t HeldActivations::held_of(const Entry& e) const {
  if (!bidirectional_) return std::uint64_t(std::max<std::int64_t>(0, e.forward - e.consumed_forward)) * half_;
  // Steps with both halves, with one half only, and released (run by both directions of l + 1).
  const std::int64_t both = std::max<std::int64_t>(0, e.forward - e.backward);
  const std::int64_t halves = (e.forward - both) + (e.length - e.backward - both);
  const std::int64_t released = std::clamp<std::int64_t>(e.consumed_forward - e.consumed_backward, 0, both);
  return std::uint64_t(std::max<std::int64_t>(0, halves)) * half_ + std::uint64_t(both - released) * step_;
}

HeldActivations::Entry HeldActivations::fresh(const Segment& s) const {
  Entry e;
  e.id = s.sequence.id;
  e.length = std::max(s.layer_steps > 0 ? s.layer_steps : s.sequence.padded_length, s.end);
  e.backward = e.consumed_backward = e.length;
  e.held = held_of(e);
  return e;
}

void HeldActivations::consume(Entry& e, const Touch& t) const {
  if (t.forward) e.consumed_forward = std::max(e.consumed_forward, t.forward->end);
  if (t.backward) e.consumed_backward = std::min(e.consumed_backward, t.backward->begin);
}

void HeldActivations::produce(Entry& e, const Touch& t) const {
  const Segment& any = t.forward ? *t.forward : *t.backward;
  if (any.end > e.length) {  // a pass made by hand without lengths: the entry grows
    if (e.backward == e.length) e.backward = any.end;
    if (e.consumed_backward == e.length) e.consumed_backward = any.end;
    e.length = any.end;
  }
  if (t.forward) e.forward = std::max(e.forward, t.forward->end);
  if (t.backward) e.backward = std::min(e.backward, t.backward->begin);
}

// before() updates each touched entry in place and keeps its held bytes from before the pass;
// after() moves the running totals (held_, spilled_) by the differences, never rescanning,
// once the spill is known. A pass touches each (slot, sequence) entry once per layer, so the
// touches are independent. The two are always called in pairs (OnChipCapacity::apply).
HeldActivations::Before HeldActivations::before(const LayerPass& pass) {
  layer_ = pass.layer;
  touches_.clear();
  for (const Segment& s : pass.forward) touches_.emplace_back().forward = &s;
  // The slot engine lists both directions slot by slot in queue order: the backward segment's
  // forward partner is almost always the touch after the last one matched.
  std::size_t hint = 0;
  for (const Segment& s : pass.backward) {
    const auto same = [&](const Touch& t) {
      return t.forward && t.forward->slot == s.slot && t.forward->sequence.id == s.sequence.id;
    };
    auto it = hint < touches_.size() && same(touches_[hint]) ? touches_.begin() + std::ptrdiff_t(hint)
                                                             : std::find_if(touches_.begin(), touches_.end(), same);
    if (it == touches_.end()) {
      touches_.emplace_back().backward = &s;
    } else {
      it->backward = &s;
      hint = std::size_t(it - touches_.begin()) + 1;
    }
  }
  Before b;
  std::uint64_t read_on_chip = 0;
  const bool reads = reads_held(layer_), keeps = holds(layer_);
  for (Touch& t : touches_) {
    const Segment& any = t.forward ? *t.forward : *t.backward;
    if (reads && (t.input = find(layer_ - 1, any)) >= 0) {
      Entry& e = entries_[std::size_t(layer_ - 1)][std::size_t(any.slot)][std::size_t(t.input)];
      t.input_held = e.held;
      // Every step the pass runs is held until then; a step both directions run is read once.
      std::int64_t steps = t.forward ? t.forward->end - t.forward->begin : 0;
      if (t.backward) steps += t.backward->end - t.backward->begin;
      if (t.forward && t.backward)
        steps -= std::max<std::int64_t>(
            0, std::min(t.forward->end, t.backward->end) - std::max(t.forward->begin, t.backward->begin));
      t.read = std::min(e.held, std::uint64_t(std::max<std::int64_t>(0, steps)) * step_);
      t.read_back = std::min(e.spilled, t.read);
      read_on_chip += t.read - t.read_back;
      b.read_back += t.read_back;
      consume(e, t);
      e.held = held_of(e);
    }
    if (keeps) {
      t.output = find(layer_, any);
      if (t.output < 0) {
        auto& v = entries(layer_, any.slot);
        t.output = int(v.size());
        t.fresh_output = true;
        v.push_back(fresh(any));
      }
      Entry& e = entries_[std::size_t(layer_)][std::size_t(any.slot)][std::size_t(t.output)];
      t.output_held = e.held;
      produce(e, t);
      e.held = held_of(e);
      t.gain = e.held - std::min(t.output_held, e.held);
      b.new_held += t.gain;
    }
  }
  const std::uint64_t resident = held_ - spilled_;
  b.resident_not_read = resident - std::min(resident, read_on_chip);
  return b;
}

std::uint64_t HeldActivations::after(std::uint64_t spill) {
  finished_.clear();
  for (Touch& t : touches_) {
    const int slot = t.forward ? t.forward->slot : t.backward->slot;
    if (t.input >= 0) {
      Entry& e = entries_[std::size_t(layer_ - 1)][std::size_t(slot)][std::size_t(t.input)];
      const std::uint64_t held = t.input_held, now = e.held;
      const std::uint64_t released = held - std::min(held, now);
      held_ = held_ - held + now;
      // Spilled bytes read back and released leave DRAM; those still needed (by the other
      // direction) stay there, to be read again.
      const std::uint64_t freed = std::min(t.read_back, released);
      e.spilled -= freed;
      spilled_ -= freed;
      const bool done = e.consumed_forward >= e.length && (!bidirectional_ || e.consumed_backward <= 0);
      if (done) {
        spilled_ -= e.spilled;
        e.length = -1;  // released: removed below (the other touches' indices stay valid until then)
        finished_.push_back(slot);
      }
    }
    if (t.output >= 0) {
      const Entry& e = entries_[std::size_t(layer_)][std::size_t(slot)][std::size_t(t.output)];
      if (!t.fresh_output) held_ -= t.output_held;
      held_ += e.held;
    }
  }
  // The spilled outputs: the newest, from the pass's last segment back.
  if (holds(layer_))
    for (auto t = touches_.rbegin(); t != touches_.rend() && spill > 0; ++t) {
      const int slot = t->forward ? t->forward->slot : t->backward->slot;
      Entry& e = entries_[std::size_t(layer_)][std::size_t(slot)][std::size_t(t->output)];
      const std::uint64_t s = std::min({spill, t->gain, e.held - std::min(e.held, e.spilled)});
      e.spilled += s;
      spilled_ += s;
      spill -= s;
    }
  for (const int slot : finished_) {
    auto& v = entries_[std::size_t(layer_ - 1)][std::size_t(slot)];
    v.erase(std::remove_if(v.begin(), v.end(), [](const Entry& e) { return e.length < 0; }), v.end());
  }
  touches_.clear();
  return held_;
}

}  // namespace ebatch
