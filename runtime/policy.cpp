#include "runtime/policy.h"

#include <algorithm>
#include <cstdlib>

#include "common/errors.h"
#include "common/invariant.h"
#include "hw/contract/slot_engine.h"

namespace ebatch {
namespace {

std::vector<std::uint8_t> occupied_mask(const RuntimeView& view) {
  std::vector<std::uint8_t> mask(view.queued.size());
  for (std::size_t s = 0; s < mask.size(); ++s) mask[s] = view.queued[s] > 0;
  return mask;
}

bool any(const std::vector<std::uint8_t>& mask) {
  return std::any_of(mask.begin(), mask.end(), [](std::uint8_t m) { return m != 0; });
}

}  // namespace

std::vector<AcceleratorCommand> BatchingPolicy::next_commands(const RuntimeView& view, int max) {
  std::vector<AcceleratorCommand> out;
  if (max < 1) return out;
  if (auto cmd = next_command(view)) out.push_back(std::move(*cmd));
  return out;
}

std::size_t BatchingPolicy::fill_commands(const RuntimeView& view, int max, std::vector<AcceleratorCommand>& out) {
  auto cmds = next_commands(view, max);
  if (out.size() < cmds.size()) out.resize(cmds.size());
  std::move(cmds.begin(), cmds.end(), out.begin());
  return cmds.size();
}

// --- none ---------------------------------------------------------------------------

std::vector<Placement> NoBatchingPolicy::place(const RuntimeView& view) {
  if (view.queued[0] == 0 && !view.waiting->empty()) return {{0, 0, view.waiting->front().length}};
  return {};
}

std::optional<AcceleratorCommand> NoBatchingPolicy::next_command(const RuntimeView& view) {
  if (view.queued[0] == 0) return std::nullopt;
  return AcceleratorCommand{{1}, 0, 0, layers_ - 1};
}

// --- padded ---------------------------------------------------------------------------

bool PaddedBatchingPolicy::batch_ready(const RuntimeView& view) const {
  if (view.waiting->empty()) return false;
  if (int(view.waiting->size()) >= slots_ || !view.more_arrivals) return true;
  return view.now_s >= view.waiting->front().arrival_s + timeout_s_;
}

std::vector<std::size_t> PaddedBatchingPolicy::choose(const RuntimeView& view) const {
  const auto& waiting = *view.waiting;
  const std::size_t n = std::min<std::size_t>(std::size_t(slots_), waiting.size());
  std::vector<std::size_t> chosen(n);
  for (std::size_t i = 0; i < n; ++i) chosen[i] = i;
  if (options_.order == PaddedOrder::arrival || n == waiting.size()) return chosen;
  // Sorted: the oldest, then the closest in length among the next window - 1 (older first on ties).
  const std::size_t window = options_.sort_window > 0
                                 ? std::min<std::size_t>(std::size_t(options_.sort_window), waiting.size())
                                 : waiting.size();
  std::vector<std::size_t> others;
  for (std::size_t i = 1; i < window; ++i) others.push_back(i);
  const std::int64_t target = waiting[0].length;
  std::stable_sort(others.begin(), others.end(), [&](std::size_t a, std::size_t b) {
    return std::llabs(waiting[a].length - target) < std::llabs(waiting[b].length - target);
  });
  chosen.assign(1, 0);
  for (std::size_t i = 0; i < others.size() && chosen.size() < n; ++i) chosen.push_back(others[i]);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<Placement> PaddedBatchingPolicy::place(const RuntimeView& view) {
  const bool idle = std::all_of(view.queued.begin(), view.queued.end(), [](int q) { return q == 0; });
  if (!idle || !batch_ready(view)) return {};
  const std::vector<std::size_t> chosen = choose(view);
  std::int64_t longest = 0, longest_source = 0;
  for (std::size_t i : chosen) {
    longest = std::max(longest, (*view.waiting)[i].length);
    longest_source = std::max(longest_source, (*view.waiting)[i].source_length);
  }
  // Decoders: the lengths are maxima. until_all_end: each computes up to its own end (the batch
  // ends when all have ended); to_max: each computes the batch's longest maximum.
  const bool to_max = autoregressive_ && options_.decoder_padding == DecoderPadding::to_max;
  std::vector<Placement> out;
  // Placed requests leave the waiting queue one by one, oldest first: the k placed before
  // chosen[k] all stood in front of it, so it is then at chosen[k] - k.
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    const std::int64_t own = (*view.waiting)[chosen[k]].length;
    out.push_back({int(k), chosen[k] - k, autoregressive_ && !to_max ? own : longest,
                   encoder_decoder_ ? longest_source : 0, to_max});
  }
  return out;
}

std::optional<AcceleratorCommand> PaddedBatchingPolicy::next_command(const RuntimeView& view) {
  auto mask = occupied_mask(view);
  if (!any(mask)) return std::nullopt;
  return AcceleratorCommand{mask, 0, 0, layers_ - 1};
}

double PaddedBatchingPolicy::wake_at(const RuntimeView& view) const {
  if (view.waiting->empty() || batch_ready(view)) return -1;
  return view.waiting->front().arrival_s + timeout_s_;
}

// --- cellular ---------------------------------------------------------------------------

int cellular_in_flight(const NetworkSpec& net, int slots, const CellularOptions& o) {
  if (o.in_flight == CellularOptions::kSlots) return slots;
  if (o.in_flight == CellularOptions::kAuto)
    return slots * (o.ebatch_queue_depth > 0 ? o.ebatch_queue_depth : auto_queue_depth(net));
  return std::max(o.in_flight, slots);
}

struct CellularBatchingPolicy::Shadow {
  Shadow(const NetworkSpec& net, int slots)
      : engine(net, slots, 1),
        layers(net.num_layers),
        words((std::size_t(slots) + 63) / 64),
        feedback_layer(net.autoregressive ? net.first_decoder_layer() : -1),
        arrival(std::size_t(slots), -1.0),
        id(std::size_t(slots), 0),
        ready(std::size_t(slots) * std::size_t(net.num_layers), 0),
        ready_count(std::size_t(slots), 0),
        rank(std::size_t(slots), -1),
        ready_bits(std::size_t(net.num_layers) * words, 0),
        any_bits(words, 0) {}
  SlotEngine engine;
  int layers;
  std::size_t words;             // 64-bit words of one age-rank bit set
  int feedback_layer;            // decoders: the layer whose next step waits for the last layer's token
  std::vector<double> arrival;   // per slot: arrival of its request, -1 when empty
  std::vector<std::int64_t> id;  // per slot: its request's id (age ties: the lower id is older)
  // Readiness, kept incrementally: ready[slot * layers + layer] is engine.can_advance(slot,
  // layer), ready_count[slot] how many layers of the slot are ready. A slot's readiness
  // depends only on its own queue, so it is refreshed for the slots a cell, a placement or
  // an abort touched, not rescanned per cell.
  std::vector<std::uint8_t> ready;
  std::vector<int> ready_count;
  // The occupied slots, oldest first (arrival, then request id); rebuilt only when a slot
  // fills or empties (age keys are unique, so the order is the same as a fresh sort's).
  std::vector<int> by_age;
  bool by_age_dirty = true;
  // The same readiness by age rank (rank[slot]: its index in by_age, -1 if not there): bit r
  // of ready_bits[layer * words + r / 64] is ready[by_age[r] * layers + layer], bit r of
  // any_bits whether by_age[r] has a ready layer. A cell's B oldest ready requests are then
  // the lowest set bits, not a walk over every request in flight. Valid while !by_age_dirty.
  std::vector<int> rank;
  std::vector<std::uint64_t> ready_bits, any_bits;
  std::vector<int> ready_per_layer;  // most_ready's counts, kept between calls
  SlotEngine::Command command;
  std::vector<int> taken;               // the slots of the last cell (its mask's set bits)
  std::vector<Completion> completions;  // take_completions' buffer, kept between cells
  bool completed = false;               // the last cell completed a sequence (its slot frees at the interrupt)

  static void set_bit(std::uint64_t* bits, int r, bool on) {
    const std::uint64_t m = std::uint64_t(1) << (r % 64);
    bits[r / 64] = on ? bits[r / 64] | m : bits[r / 64] & ~m;
  }
  std::uint64_t* layer_bits(int layer) { return ready_bits.data() + std::size_t(layer) * words; }
  // Recomputes the slot's readiness of layers [first, last] (all when its queue changed).
  void refresh(int slot, int first = 0, int last = -1) {
    if (last < 0 || last >= layers) last = layers - 1;
    std::uint8_t* r = ready.data() + std::size_t(slot) * std::size_t(layers);
    int& n = ready_count[std::size_t(slot)];
    const int at = by_age_dirty ? -1 : rank[std::size_t(slot)];
    for (int layer = first; layer <= last; ++layer) {
      const std::uint8_t now = engine.can_advance(slot, layer);
      n += int(now) - int(r[layer]);
      r[layer] = now;
      if (at >= 0) set_bit(layer_bits(layer), at, now);
    }
    if (at >= 0) set_bit(any_bits.data(), at, n > 0);
  }
  bool ready_at(int slot, int layer) const {
    return ready[std::size_t(slot) * std::size_t(layers) + std::size_t(layer)];
  }
  // by_age afresh, and the rank bit sets from `ready`.
  void rebuild_by_age(int in_flight) {
    by_age_dirty = false;
    by_age.clear();
    for (int s = 0; s < in_flight; ++s) {
      rank[std::size_t(s)] = -1;
      if (arrival[std::size_t(s)] >= 0 && engine.queued(s) > 0) by_age.push_back(s);
    }
    const auto older = [&](int a, int b) {
      const std::size_t x = std::size_t(a), y = std::size_t(b);
      return arrival[x] != arrival[y] ? arrival[x] < arrival[y] : id[x] < id[y];
    };
    std::sort(by_age.begin(), by_age.end(), older);
    std::fill(ready_bits.begin(), ready_bits.end(), 0);
    std::fill(any_bits.begin(), any_bits.end(), 0);
    for (std::size_t i = 0; i < by_age.size(); ++i) {
      const int s = by_age[i];
      rank[std::size_t(s)] = int(i);
      for (int layer = 0; layer < layers; ++layer)
        if (ready_at(s, layer)) set_bit(layer_bits(layer), int(i), true);
      if (ready_count[std::size_t(s)] > 0) set_bit(any_bits.data(), int(i), true);
    }
  }
  // Calls f(rank) for the set bits of `bits` from the lowest (the oldest) until f returns false.
  template <class F>
  void for_each_rank(const std::uint64_t* bits, F&& f) const {
    for (std::size_t w = 0; w < words; ++w)
      for (std::uint64_t b = bits[w]; b; b &= b - 1)
        if (!f(int(w * 64) + __builtin_ctzll(b))) return;
  }
};

CellularBatchingPolicy::CellularBatchingPolicy(const NetworkSpec& net, int slots, CellularOptions options)
    : layers_(net.num_layers),
      batch_(slots),
      in_flight_(cellular_in_flight(net, slots, options)),
      scheduler_(options.scheduler),
      shadow_(std::make_unique<Shadow>(net, in_flight_)) {}

CellularBatchingPolicy::~CellularBatchingPolicy() = default;

std::string CellularBatchingPolicy::describe() const {
  static const char* const kNames[] = {"oldest_deepest", "most_ready", "sticky"};
  if (in_flight_ == batch_ && scheduler_ == CellularScheduler::oldest_deepest) return name();  // today's
  return "cellular: cells of at most " + std::to_string(batch_) + " of " + std::to_string(in_flight_) +
         " sequences in flight, scheduler " + kNames[int(scheduler_)];
}

std::vector<Placement> CellularBatchingPolicy::place(const RuntimeView& view) {
  std::vector<Placement> out;
  std::size_t next = 0;
  for (int s = 0; s < in_flight_ && next < view.waiting->size(); ++s) {
    if (view.queued[std::size_t(s)] > 0 || shadow_->arrival[std::size_t(s)] >= 0) continue;
    const Request& r = (*view.waiting)[next++];
    out.push_back({s, 0, r.length});
    SequenceDescriptor d;
    d.id = r.id;
    d.length = d.padded_length = r.length;  // a decoder's maximum: its end comes with the interrupt
    d.source_length = d.source_padded = r.source_length;
    shadow_->engine.enqueue(s, d);
    shadow_->arrival[std::size_t(s)] = r.arrival_s;
    shadow_->id[std::size_t(s)] = r.id;
    shadow_->refresh(s);
    shadow_->by_age_dirty = true;
  }
  return out;
}

// The layer the next cell runs, or -1 if no request has a ready cell. Keeps by_age: the
// occupied slots, oldest first (arrival, then request id).
int CellularBatchingPolicy::choose_layer() {
  Shadow& sh = *shadow_;
  if (sh.by_age_dirty) sh.rebuild_by_age(in_flight_);
#ifdef EBATCH_CHECKS
  for (std::size_t i = 0; i < sh.by_age.size(); ++i)
    for (int layer = 0; layer < layers_; ++layer)
      EBATCH_INVARIANT(((sh.layer_bits(layer)[i / 64] >> (i % 64)) & 1) == sh.ready_at(sh.by_age[i], layer),
                       "cellular: the age-rank readiness bits disagree with the slots' readiness");
#endif
  const auto has_ready = [&](int layer) {
    const std::uint64_t* bits = sh.layer_bits(layer);
    return std::any_of(bits, bits + sh.words, [](std::uint64_t w) { return w != 0; });
  };
  if (scheduler_ == CellularScheduler::sticky && last_layer_ >= 0 && has_ready(last_layer_)) return last_layer_;
  if (scheduler_ == CellularScheduler::most_ready) {
    auto& ready = sh.ready_per_layer;
    ready.assign(std::size_t(layers_), 0);
    for (int layer = 0; layer < layers_; ++layer) {
      const std::uint64_t* bits = sh.layer_bits(layer);
      for (std::size_t w = 0; w < sh.words; ++w) ready[std::size_t(layer)] += __builtin_popcountll(bits[w]);
    }
    int best = -1;
    for (int layer = layers_ - 1; layer >= 0; --layer)  // deepest first: ties keep the deeper layer
      if (ready[std::size_t(layer)] > 0 && (best < 0 || ready[std::size_t(layer)] > ready[std::size_t(best)]))
        best = layer;
    return best;
  }
  // The oldest request with a ready layer: its deepest ready layer.
  int best = -1;
  sh.for_each_rank(sh.any_bits.data(), [&](int r) {
    const int s = sh.by_age[std::size_t(r)];
    for (int layer = layers_ - 1; layer >= 0; --layer)
      if (sh.ready_at(s, layer)) {
        best = layer;
        break;
      }
    return false;
  });
  return best;
}

// Runs the next cell on the shadow; its slot mask is left in shadow_->command. False if none is ready.
bool CellularBatchingPolicy::next_cell() {
  const int layer = choose_layer();
  if (layer < 0) return false;
  last_layer_ = layer;
  Shadow& sh = *shadow_;
  auto& cmd = sh.command;
  auto& taken = sh.taken;  // the B oldest ready requests
  // The mask keeps its size between cells: only the last cell's slots need clearing.
  if (cmd.slot_mask.size() != std::size_t(in_flight_)) cmd.slot_mask.assign(std::size_t(in_flight_), 0);
  for (const int s : taken) cmd.slot_mask[std::size_t(s)] = 0;
  taken.clear();
  sh.for_each_rank(sh.layer_bits(layer), [&](int r) {
    const int s = sh.by_age[std::size_t(r)];
    cmd.slot_mask[std::size_t(s)] = 1;
    taken.push_back(s);
    return int(taken.size()) < batch_;
  });
  cmd.steps = 1;
  cmd.first_layer = cmd.last_layer = layer;
  sh.engine.advance_layer(cmd, layer);
  // A cell of `layer` changes what that layer has done and what it has produced for the
  // next: only those two layers' readiness can change, unless a sequence completed.
  // (A decoder's last layer also feeds its first: the next step's token.)
  const bool feeds_back = sh.feedback_layer >= 0 && layer == layers_ - 1;
  for (const int s : taken) {
    sh.refresh(s, layer, layer + 1);
    if (feeds_back) sh.refresh(s, sh.feedback_layer, sh.feedback_layer);
  }
  sh.engine.take_completions(sh.completions);
  sh.completed = !sh.completions.empty();
  for (const Completion& c : sh.completions) sh.refresh(c.slot);  // its queue changed
  if (sh.completed) sh.by_age_dirty = true;                       // a completed sequence left its slot
  return true;
}

std::optional<AcceleratorCommand> CellularBatchingPolicy::next_command(const RuntimeView&) {
  if (!next_cell()) return std::nullopt;
  const auto& cmd = shadow_->command;
  return AcceleratorCommand{cmd.slot_mask, 1, cmd.first_layer, cmd.last_layer};
}

std::vector<AcceleratorCommand> CellularBatchingPolicy::next_commands(const RuntimeView& view, int max) {
  std::vector<AcceleratorCommand> out;
  out.resize(fill_commands(view, max, out));
  return out;
}

std::size_t CellularBatchingPolicy::fill_commands(const RuntimeView& view, int max,
                                                  std::vector<AcceleratorCommand>& out) {
  std::size_t n = 0;
  // Stops after a cell that completes a sequence while requests wait: its slot is refilled
  // once the host has its interrupt, as between commands in mmio mode.
  while (int(n) < max) {
    if (!next_cell()) break;
    const auto& cmd = shadow_->command;
    if (out.size() <= n) out.emplace_back();
    AcceleratorCommand& c = out[n++];
    c.slot_mask.assign(cmd.slot_mask.begin(), cmd.slot_mask.end());
    c.steps = 1;
    c.first_layer = cmd.first_layer;
    c.last_layer = cmd.last_layer;
    if (shadow_->completed && !view.waiting->empty()) break;
  }
  return n;
}

void CellularBatchingPolicy::on_completion(int slot, const Request& request) {
  // A decoded sequence ends where only the accelerator saw it: the shadow learns it here.
  if (shadow_->engine.abort(slot, request.id)) shadow_->refresh(slot);
  shadow_->arrival[std::size_t(slot)] = -1;
  shadow_->by_age_dirty = true;
}

void CellularBatchingPolicy::on_failure(int slot, const Request& request) {
  shadow_->engine.abort(slot, request.id);  // the accelerator dropped it too
  shadow_->refresh(slot);
  shadow_->by_age_dirty = true;
  on_completion(slot, request);
}

// --- E-BATCH ---------------------------------------------------------------------------

int auto_queue_depth(const NetworkSpec& net) { return net.bidirectional ? net.num_layers + 1 : 2; }

EbatchPolicy::EbatchPolicy(const NetworkSpec& net, const PolicyConfig& config, int window_steps,
                           std::string window_reason)
    : layers_(net.num_layers),
      slots_(config.slots),
      depth_(config.queue_depth > 0 ? config.queue_depth : auto_queue_depth(net)),
      window_(window_steps),
      immediate_(config.refill == Refill::immediate),
      reason_(std::move(window_reason)) {}

std::vector<Placement> EbatchPolicy::place(const RuntimeView& view) {
  std::vector<Placement> out;
  std::vector<int> queued = view.queued;
  std::size_t taken = 0;
  // Emptiest slot first, so the batch stays as full as the waiting requests allow.
  while (taken < view.waiting->size()) {
    const auto it = std::min_element(queued.begin(), queued.end());
    if (*it >= depth_) break;
    const int slot = int(it - queued.begin());
    out.push_back({slot, 0, (*view.waiting)[taken].length});
    ++taken;
    ++*it;
  }
  return out;
}

std::optional<AcceleratorCommand> EbatchPolicy::next_command(const RuntimeView& view) {
  auto mask = occupied_mask(view);
  if (!any(mask)) return std::nullopt;
  return AcceleratorCommand{mask, window_, 0, layers_ - 1};
}

std::string EbatchPolicy::describe() const {
  return "ebatch: " + std::to_string(slots_) + " slots, queue depth " + std::to_string(depth_) +
         ", window N = " + std::to_string(window_) + (reason_.empty() ? "" : " (" + reason_ + ")") +
         (immediate_ ? ", refill at once" : ", refill at window boundaries");
}

// --- factory ---------------------------------------------------------------------------

PolicyRegistrar::PolicyRegistrar(const PolicySpec& spec, const PolicyFactory& factory) {
  if (spec.name != factory.name)
    throw std::logic_error("policy '" + spec.name + "': factory named '" + factory.name + "'");
  PolicyRegistry::instance().add(&spec);
  PolicyFactoryRegistry::instance().add(&factory);
}

std::unique_ptr<BatchingPolicy> make_policy(const Experiment& e, int window_steps, const std::string& reason) {
  return PolicyFactoryRegistry::instance().get(to_string(e.policy.kind)).make(e, window_steps, reason);
}

}  // namespace ebatch
