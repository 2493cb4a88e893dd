#include "hw/contract/slot_engine.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "common/invariant.h"

namespace ebatch {

SlotEngine::SlotEngine(const NetworkSpec& network, int slots, int queue_depth)
    : network_(network), queue_depth_(queue_depth), slots_(std::size_t(slots)) {
  if (slots < 1 || queue_depth < 1) throw std::invalid_argument("SlotEngine: slots and queue depth must be >= 1");
}

bool SlotEngine::enqueue(int slot, const SequenceDescriptor& descriptor) {
  auto& q = slots_.at(std::size_t(slot));
  if (int(q.size()) >= queue_depth_) return false;
  if (descriptor.length < 1 || descriptor.padded_length < descriptor.length)
    throw std::invalid_argument("SlotEngine: bad sequence lengths");
#ifdef EBATCH_CHECKS
  for (const auto& other : slots_)
    for (const auto& s : other)
      EBATCH_INVARIANT(s.descriptor.id != descriptor.id,
                       "request " + std::to_string(descriptor.id) + " queued twice (no request in two slots)");
#endif
  InFlight f;
  f.descriptor = descriptor;
  f.forward_done.assign(std::size_t(network_.num_layers), 0);
  f.backward_done.assign(std::size_t(network_.num_layers), network_.bidirectional ? 0 : descriptor.padded_length);
  q.push_back(std::move(f));
  return true;
}

bool SlotEngine::idle() const {
  for (const auto& q : slots_)
    if (!q.empty()) return false;
  return true;
}

std::int64_t SlotEngine::available(const InFlight& s, int layer) const {
  const std::int64_t length = s.descriptor.padded_length;
  if (layer < 0) return length;
  const auto l = std::size_t(layer);
  // A step's output exists once both directions have produced it; the backward
  // direction produces the suffix, so a prefix is complete only when it is done.
  return s.backward_done[l] == length ? s.forward_done[l] : 0;
}

std::int64_t SlotEngine::available(int slot, int layer) const {
  const auto& q = slots_.at(std::size_t(slot));
  return q.empty() ? 0 : available(q.front(), layer);
}

bool SlotEngine::can_advance(int slot, int layer) const {
  const auto l = std::size_t(layer);
  const auto& q = slots_.at(std::size_t(slot));
  // Each direction works on its first unfinished sequence, as run_layer() does.
  for (const auto& s : q) {
    if (s.forward_done[l] == s.descriptor.padded_length) continue;
    if (available(s, layer - 1) > s.forward_done[l]) return true;
    break;
  }
  for (const auto& s : q) {
    if (s.backward_done[l] == s.descriptor.padded_length) continue;
    if (available(s, layer - 1) == s.descriptor.padded_length) return true;
    break;
  }
  return false;
}

void SlotEngine::run_layer(const Command& command, int layer, LayerPass& pass) { advance<true>(command, layer, &pass); }

void SlotEngine::advance_layer(const Command& command, int layer) { advance<false>(command, layer, nullptr); }

namespace {

void add_segment(std::vector<Segment>& segments, int slot, const SequenceDescriptor& sequence, std::int64_t begin,
                 std::int64_t end, std::int64_t window_offset, bool resets_state) {
  Segment& seg = segments.emplace_back();
  seg.slot = slot;
  seg.sequence = sequence;
  seg.begin = begin;
  seg.end = end;
  seg.window_offset = window_offset;
  seg.useful_steps = std::max<std::int64_t>(0, std::min(end, sequence.length) - begin);
  seg.resets_state = resets_state;
}

}  // namespace

// run_layer's work; kPass: whether to describe it in *pass (advance_layer only updates the
// state and the completions, for a caller that needs no pass, as cellular's shadow).
template <bool kPass>
void SlotEngine::advance(const Command& command, int layer, LayerPass* pass) {
  if (kPass) {
    // Reuse the pass's storage: one command per cell in cellular batching makes this hot.
    pass->forward.clear();
    pass->backward.clear();
    pass->forward_span = pass->backward_span = pass->output_rows = 0;
    pass->layer = layer;
    pass->last_layer = command.last_layer < 0 ? network_.num_layers - 1 : command.last_layer;
  }
  const auto l = std::size_t(layer);
  const std::int64_t budget_all = command.steps > 0 ? command.steps : std::numeric_limits<std::int64_t>::max();
  const bool last = layer == network_.num_layers - 1;
  const bool masked = !command.slot_mask.empty();
  for (int slot = 0; slot < slots(); ++slot) {
    if (masked && !command.slot_mask[std::size_t(slot)]) continue;
    auto& q = slots_[std::size_t(slot)];
    if (q.empty()) continue;  // nothing to run, produce or complete
    auto produced = [&] {
      std::int64_t sum = 0;
      for (const auto& s : q) sum += available(s, layer);
      return sum;
    };
    const std::int64_t produced_before = kPass && last ? produced() : 0;
    // Forward: walk the slot's sequences in order, back to back.
    std::int64_t used = 0;
    for (auto& s : q) {
      const std::int64_t length = s.descriptor.padded_length;
      if (s.forward_done[l] == length) continue;
      const std::int64_t can = std::min(available(s, layer - 1) - s.forward_done[l], budget_all - used);
      if (can <= 0) break;
      const std::int64_t begin = s.forward_done[l], end = begin + can;
      EBATCH_INVARIANT(
          end <= available(s, layer - 1) && end <= length,
          "layer " + std::to_string(layer) + " ran past its input for request " + std::to_string(s.descriptor.id));
      if (kPass) add_segment(pass->forward, slot, s.descriptor, begin, end, used, begin == 0);
      s.forward_done[l] = end;
      used += can;
      if (end < length) break;
    }
    if (kPass) pass->forward_span = std::max(pass->forward_span, used);
    if (network_.bidirectional) {
      used = 0;
      for (auto& s : q) {
        const std::int64_t length = s.descriptor.padded_length;
        if (s.backward_done[l] == length) continue;
        if (available(s, layer - 1) < length) break;  // needs the whole input
        const std::int64_t can = std::min(length - s.backward_done[l], budget_all - used);
        if (can <= 0) break;
        const std::int64_t end = length - s.backward_done[l], begin = end - can;
        EBATCH_INVARIANT(begin >= 0 && end <= length,
                         "backward segment outside request " + std::to_string(s.descriptor.id));
        if (kPass) add_segment(pass->backward, slot, s.descriptor, begin, end, used, end == length);
        s.backward_done[l] += can;
        used += can;
        if (s.backward_done[l] < length) break;
      }
      if (kPass) pass->backward_span = std::max(pass->backward_span, used);
    }
    if (last) {
      // Rows whose final output appeared in this pass, and sequences now complete.
      if (kPass) pass->output_rows += produced() - produced_before;
      std::size_t done = 0;
      while (done < q.size() && available(q[done], layer) == q[done].descriptor.padded_length)
        completions_.push_back({slot, q[done++].descriptor});
      if (done) q.erase(q.begin(), q.begin() + std::ptrdiff_t(done));
    }
  }
}

bool SlotEngine::abort(int slot, std::int64_t id) {
  auto& q = slots_.at(std::size_t(slot));
  const auto it = std::find_if(q.begin(), q.end(), [&](const InFlight& s) { return s.descriptor.id == id; });
  if (it == q.end()) return false;
  q.erase(it);
  return true;
}

std::vector<Completion> SlotEngine::take_completions() {
  std::vector<Completion> out;
  out.swap(completions_);
  return out;
}

}  // namespace ebatch
