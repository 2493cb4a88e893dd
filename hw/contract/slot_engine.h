// The accelerator-side batch-slot logic that E-BATCH adds to a platform,
// as an untimed core shared by E-PUR and the TPU model.
//
// Models: B slots, each a queue of sequence descriptors laid back to back
// (concatenation); per slot, per layer and per direction, how many steps of
// each queued sequence are done. A command runs up to N steps of a range of
// layers, layer-major, on a mask of slots. Layer l may only process a step
// whose input layer l-1 has produced; a bidirectional layer's backward
// direction starts once layer l-1 has produced the whole sequence. State
// resets exactly where a sequence starts (segment.begin == 0). A sequence
// completes when the last layer has produced all its (padded) steps.
// Autoregressive networks (NetworkSpec::autoregressive): the decoder layers run
// step-major (next_pass: N rounds, each one step of every decoder layer of the
// command) and the decoder's first layer computes step t only once the last layer
// has produced step t - 1; with an encoder, only once the encoder has finished the
// source. A decoded sequence's length is not in its descriptor (LENGTH is the
// maximum): the accelerator's side table (set_output_lengths; the end-of-sequence
// token in functional runs) says where it ends; without the table it ends at LENGTH.
// Ignores: time and energy (the platform's cost model adds them).
#pragma once

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "common/rnn_spec.h"

namespace ebatch {

struct SequenceDescriptor {
  std::int64_t id = 0;
  std::int64_t length = 0;         // useful steps
  std::int64_t padded_length = 0;  // steps computed (>= length; padding is real work)
  std::uint64_t input_address = 0;
  std::uint64_t output_address = 0;
  // Encoder-decoder networks: the source's useful and computed steps (the encoder layers').
  std::int64_t source_length = 0, source_padded = 0;
  // Decoders: compute padded_length steps even after the sequence has ended (padded batching
  // that pads to the maximum); otherwise the sequence stops at its end.
  bool run_to_padded = false;
};

// Steps each decoded sequence produces (request id -> steps, end-of-sequence included): known
// only to the accelerator model (the stimulus hands it over), never to the host.
using OutputLengths = std::unordered_map<std::int64_t, std::int64_t>;

// A run of consecutive steps of one sequence in one slot, in one direction of one layer.
struct Segment {
  int slot = 0;
  SequenceDescriptor sequence;
  std::int64_t begin = 0, end = 0;  // steps [begin, end) of the sequence; backward runs end-1 down to begin
  std::int64_t window_offset = 0;   // when the segment starts in the pass's lockstep timeline
  std::int64_t useful_steps = 0;    // steps below the sequence's length
  // The direction's first step of this sequence (not an encoder-decoder's decoder layer, whose
  // first step starts from the final state of encoder layer `layer - encoder_layers`).
  bool resets_state = false;
  std::int64_t layer_steps = 0;  // steps this layer computes for the sequence (0: padded_length)
};

struct LayerPass {
  int layer = 0;
  std::vector<Segment> forward, backward;
  std::int64_t forward_span = 0, backward_span = 0;  // lockstep steps each direction takes
  // Last layer only: steps whose final outputs became available (rows for the output layer).
  std::int64_t output_rows = 0;
  int last_layer = 0;  // the command's last layer (a platform may prefetch the next layer's weights up to it)
  bool empty() const { return forward.empty() && backward.empty(); }
};

struct Completion {
  int slot = 0;
  SequenceDescriptor descriptor;
  std::int64_t steps = 0;  // steps produced (the decoder's up to its end; otherwise the length)
};

class SlotEngine {
 public:
  SlotEngine(const NetworkSpec& network, int slots, int queue_depth);

  int slots() const { return int(slots_.size()); }
  int queue_depth() const { return queue_depth_; }
  // Adds a sequence behind the slot's queued ones; false if the queue is full.
  bool enqueue(int slot, const SequenceDescriptor& descriptor);
  int queued(int slot) const { return int(slots_[std::size_t(slot)].size()); }
  bool idle() const;

  struct Command {
    std::vector<std::uint8_t> slot_mask;   // empty: every slot
    std::int64_t steps = 0;                // N; 0: as many as possible
    int first_layer = 0, last_layer = -1;  // -1: the last layer
  };
  // Plans and performs one layer of a command (call for each layer in order; for an
  // autoregressive network use next_pass, which orders the decoder's passes).
  void run_layer(const Command& command, int layer, LayerPass& pass);
  // The command's passes in order, one per call (false when the command is done; a pass may
  // be empty). Layers that are not a decoder's run layer-major, up to N steps each; the
  // decoder layers of the range then run step-major: N rounds (N = 0: until a round computes
  // nothing), each one step of every decoder layer in the range. Without a decoder this is
  // run_layer for each layer of the range, in order.
  struct Cursor {
    int layer = -1;
    std::int64_t round = 0;
    bool round_ran = false;
  };
  bool next_pass(const Command& command, Cursor& cursor, LayerPass& pass);
  // The accelerator's side table of decoded lengths (not owned; nullptr: sequences end at LENGTH).
  void set_output_lengths(const OutputLengths* lengths) { output_lengths_ = lengths; }
  // Ends the decoded sequence `id` after `steps` steps (functional runs: its end-of-sequence
  // token); false if it is not in the slot.
  bool end_sequence(int slot, std::int64_t id, std::int64_t steps);
  // The same state change (and completions) without describing the pass.
  void advance_layer(const Command& command, int layer);
  // Drops the sequence `id` from the slot's queue (a failed request); false if not there.
  bool abort(int slot, std::int64_t id);
  // Sequences finished by the last run_layer of the last layer, oldest first; removes them.
  std::vector<Completion> take_completions();
  // The same into `out` (cleared first): the two buffers trade storage, so a caller that
  // keeps `out` between calls allocates nothing in the steady state.
  void take_completions(std::vector<Completion>& out) {
    out.clear();
    out.swap(completions_);
  }

  // Steps of layer `layer` output available for the slot's front sequence (tests, checks).
  std::int64_t available(int slot, int layer) const;
  // The slot's oldest sequence: its id and the steps `layer` still has to produce.
  std::int64_t head_id(int slot) const { return slots_.at(std::size_t(slot)).front().descriptor.id; }
  std::int64_t head_remaining(int slot, int layer) const {
    const auto& s = slots_.at(std::size_t(slot)).front();
    return steps_of(s, layer) - available(s, layer);
  }
  // Whether a command on this slot and layer would compute at least one step.
  inline bool can_advance(int slot, int layer) const;

 private:
  struct InFlight {
    SequenceDescriptor descriptor;
    std::vector<std::int64_t> forward_done, backward_done;  // per layer
    std::int64_t decode_useful = 0, decode_steps = 0;       // decoders: steps produced, computed
  };
  inline std::int64_t available(const InFlight& s, int layer) const;
  // Steps of the layer's input that exist (layer 0: all; a decoder's first layer: one past
  // what the last layer has produced, once the encoder is done).
  inline std::int64_t input_available(const InFlight& s, int layer) const;
  // Steps the layer computes for the sequence, and how many of them are useful.
  std::int64_t steps_of(const InFlight& s, int layer) const {
    if (network_.is_decoder_layer(layer)) return s.decode_steps;
    return network_.encoder_decoder() ? s.descriptor.source_padded : s.descriptor.padded_length;
  }
  std::int64_t useful_of(const InFlight& s, int layer) const {
    if (network_.is_decoder_layer(layer)) return s.decode_useful;
    return network_.encoder_decoder() ? s.descriptor.source_length : s.descriptor.length;
  }
  template <bool kPass>
  void advance(const Command& command, int layer, std::int64_t steps, LayerPass* pass);

  NetworkSpec network_;
  int queue_depth_;
  // Per slot, its queue oldest first (a vector: a few entries, walked every pass).
  std::vector<std::vector<InFlight>> slots_;
  std::vector<Completion> completions_;
  const OutputLengths* output_lengths_ = nullptr;
};

// Inline: the cellular scheduler asks these for a few slots and layers of every cell.
inline std::int64_t SlotEngine::available(const InFlight& s, int layer) const {
  const std::int64_t length = steps_of(s, layer);
  const auto l = std::size_t(layer);
  // A step's output exists once both directions have produced it; the backward
  // direction produces the suffix, so a prefix is complete only when it is done.
  return s.backward_done[l] == length ? s.forward_done[l] : 0;
}

inline std::int64_t SlotEngine::input_available(const InFlight& s, int layer) const {
  if (layer == network_.first_decoder_layer()) {
    const int below = layer - 1;
    if (below >= 0 && available(s, below) < steps_of(s, below)) return 0;  // the encoder is not done
    const int top = network_.num_layers - 1;
    return std::min(s.decode_steps, s.forward_done[std::size_t(top)] + 1);  // the token of step t - 1
  }
  return layer == 0 ? steps_of(s, 0) : available(s, layer - 1);
}

inline bool SlotEngine::can_advance(int slot, int layer) const {
  const auto l = std::size_t(layer);
  const auto& q = slots_.at(std::size_t(slot));
  // Each direction works on its first unfinished sequence, as run_layer() does.
  for (const auto& s : q) {
    if (s.forward_done[l] == steps_of(s, layer)) continue;
    if (input_available(s, layer) > s.forward_done[l]) return true;
    break;
  }
  for (const auto& s : q) {
    if (s.backward_done[l] == steps_of(s, layer)) continue;
    if (input_available(s, layer) == steps_of(s, layer)) return true;
    break;
  }
  return false;
}

}  // namespace ebatch
