#include "hw/contract/slot_engine.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "common/byte_mask.h"
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
  if (network_.encoder_decoder()) {
    if (f.descriptor.source_padded == 0) f.descriptor.source_padded = f.descriptor.source_length;
    if (f.descriptor.source_length < 1 || f.descriptor.source_padded < f.descriptor.source_length)
      throw std::invalid_argument("SlotEngine: bad source lengths");
  }
  if (network_.autoregressive) {
    f.decode_useful = descriptor.length;
    if (output_lengths_) {
      const auto it = output_lengths_->find(descriptor.id);
      if (it != output_lengths_->end())
        f.decode_useful = std::max<std::int64_t>(1, std::min(it->second, descriptor.length));
    }
    f.decode_steps = descriptor.run_to_padded ? std::max(descriptor.padded_length, f.decode_useful) : f.decode_useful;
  }
  f.forward_done.assign(std::size_t(network_.num_layers), 0);
  f.backward_done.resize(std::size_t(network_.num_layers));
  for (int l = 0; l < network_.num_layers; ++l)
    f.backward_done[std::size_t(l)] = network_.bidirectional ? 0 : steps_of(f, l);
  q.push_back(std::move(f));
  return true;
}

bool SlotEngine::idle() const {
  for (const auto& q : slots_)
    if (!q.empty()) return false;
  return true;
}

std::int64_t SlotEngine::available(int slot, int layer) const {
  const auto& q = slots_.at(std::size_t(slot));
  return q.empty() ? 0 : available(q.front(), layer);
}

void SlotEngine::run_layer(const Command& command, int layer, LayerPass& pass) {
  advance<true>(command, layer, command.steps, &pass);
}

void SlotEngine::advance_layer(const Command& command, int layer) {
  advance<false>(command, layer, command.steps, nullptr);
}

bool SlotEngine::next_pass(const Command& command, Cursor& cursor, LayerPass& pass) {
  const int last = command.last_layer < 0 ? network_.num_layers - 1 : command.last_layer;
  const int decoder = std::max(command.first_layer, network_.first_decoder_layer());
  if (cursor.layer < 0) {
    cursor.layer = command.first_layer;
  } else if (cursor.layer < decoder || cursor.layer < last) {
    ++cursor.layer;
  } else {  // the end of a decoder round
    ++cursor.round;
    if (!cursor.round_ran || (command.steps > 0 && cursor.round >= command.steps)) return false;
    cursor.round_ran = false;
    cursor.layer = decoder;
  }
  if (cursor.layer > last) return false;
  if (cursor.layer < decoder) {
    run_layer(command, cursor.layer, pass);  // layer-major, up to N steps
  } else {
    advance<true>(command, cursor.layer, 1, &pass);  // one step of this round
    cursor.round_ran = cursor.round_ran || !pass.empty();
  }
  return true;
}

bool SlotEngine::end_sequence(int slot, std::int64_t id, std::int64_t steps) {
  auto& q = slots_.at(std::size_t(slot));
  for (auto& s : q) {
    if (s.descriptor.id != id || !network_.autoregressive) continue;
    const std::int64_t top = s.forward_done[std::size_t(network_.num_layers - 1)];
    s.decode_useful = std::max<std::int64_t>(std::max<std::int64_t>(1, top), std::min(steps, s.decode_useful));
    s.decode_steps =
        s.descriptor.run_to_padded ? std::max(s.descriptor.padded_length, s.decode_useful) : s.decode_useful;
    if (!network_.bidirectional)
      for (int l = network_.first_decoder_layer(); l < network_.num_layers; ++l)
        s.backward_done[std::size_t(l)] = s.decode_steps;
    while (!q.empty() &&
           available(q.front(), network_.num_layers - 1) == steps_of(q.front(), network_.num_layers - 1)) {
      completions_.push_back({slot, q.front().descriptor, q.front().decode_useful});
      q.erase(q.begin());
    }
    return true;
  }
  return false;
}

namespace {

static_assert(std::is_trivially_destructible<Segment>::value, "advance() trims segment vectors by resize");

// Writes segment `n` of `segments` (a vector kept from pass to pass: an element from an earlier
// pass is overwritten in place, neither zeroed nor copied from a temporary; the caller trims
// the vector to the count at the end).
void add_segment(std::vector<Segment>& segments, std::size_t& n, int slot, const SequenceDescriptor& sequence,
                 std::int64_t steps, std::int64_t useful, std::int64_t begin, std::int64_t end,
                 std::int64_t window_offset, bool resets_state) {
  if (n == segments.size()) segments.emplace_back();
  Segment& seg = segments[n++];
  seg.slot = slot;
  seg.sequence = sequence;
  seg.begin = begin;
  seg.end = end;
  seg.window_offset = window_offset;
  seg.useful_steps = std::max<std::int64_t>(0, std::min(end, useful) - begin);
  seg.resets_state = resets_state;
  seg.layer_steps = steps;
}

}  // namespace

// run_layer's work; kPass: whether to describe it in *pass (advance_layer only updates the
// state and the completions, for a caller that needs no pass, as cellular's shadow).
template <bool kPass>
void SlotEngine::advance(const Command& command, int layer, std::int64_t steps, LayerPass* pass) {
  // Segments written so far (the pass's vectors keep their elements from the last pass: one
  // command per cell in cellular batching makes this hot).
  std::size_t n_forward = 0, n_backward = 0;
  if (kPass) {
    pass->forward_span = pass->backward_span = pass->output_rows = 0;
    pass->layer = layer;
    pass->last_layer = command.last_layer < 0 ? network_.num_layers - 1 : command.last_layer;
  }
  const auto l = std::size_t(layer);
  const std::int64_t budget_all = steps > 0 ? steps : std::numeric_limits<std::int64_t>::max();
  const bool last = layer == network_.num_layers - 1;
  const bool masked = !command.slot_mask.empty();
  // An encoder-decoder's decoder layer starts from its encoder layer's final state: no reset.
  const bool hands_off = network_.encoder_decoder() && network_.is_decoder_layer(layer);
  // A cell's mask sets a few of many slots: only the set ones are visited (next_set_byte tests
  // eight at a time), in slot order.
  const std::uint8_t* mask = command.slot_mask.data();
  const std::size_t n_slots = masked ? std::min(command.slot_mask.size(), slots_.size()) : slots_.size();
  const auto next = [&](std::size_t from) { return masked ? next_set_byte(mask, n_slots, from) : from; };
  for (std::size_t slot_index = next(0); slot_index < n_slots; slot_index = next(slot_index + 1)) {
    const int slot = int(slot_index);
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
      const std::int64_t length = steps_of(s, layer);
      if (s.forward_done[l] == length) continue;
      const std::int64_t input = input_available(s, layer);
      const std::int64_t can = std::min(input - s.forward_done[l], budget_all - used);
      if (can <= 0) break;
      const std::int64_t begin = s.forward_done[l], end = begin + can;
      EBATCH_INVARIANT(
          end <= input && end <= length,
          "layer " + std::to_string(layer) + " ran past its input for request " + std::to_string(s.descriptor.id));
      if (kPass)
        add_segment(pass->forward, n_forward, slot, s.descriptor, length, useful_of(s, layer), begin, end, used,
                    begin == 0 && !hands_off);
      s.forward_done[l] = end;
      used += can;
      if (end < length) break;
    }
    if (kPass) pass->forward_span = std::max(pass->forward_span, used);
    if (network_.bidirectional) {
      used = 0;
      for (auto& s : q) {
        const std::int64_t length = steps_of(s, layer);
        if (s.backward_done[l] == length) continue;
        if (input_available(s, layer) < length) break;  // needs the whole input
        const std::int64_t can = std::min(length - s.backward_done[l], budget_all - used);
        if (can <= 0) break;
        const std::int64_t end = length - s.backward_done[l], begin = end - can;
        EBATCH_INVARIANT(begin >= 0 && end <= length,
                         "backward segment outside request " + std::to_string(s.descriptor.id));
        if (kPass)
          add_segment(pass->backward, n_backward, slot, s.descriptor, length, useful_of(s, layer), begin, end, used,
                      end == length);
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
      while (done < q.size() && available(q[done], layer) == steps_of(q[done], layer)) {
        const InFlight& f = q[done++];
        completions_.push_back({slot, f.descriptor, network_.autoregressive ? f.decode_useful : f.descriptor.length});
      }
      if (done) q.erase(q.begin(), q.begin() + std::ptrdiff_t(done));
    }
  }
  if (kPass) {
    pass->forward.resize(n_forward);  // shrinks only (trivially destructible segments)
    pass->backward.resize(n_backward);
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
