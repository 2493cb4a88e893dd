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
// Ignores: time and energy (the platform's cost model adds them).
#pragma once

#include <cstdint>
#include <vector>

#include "common/rnn_spec.h"

namespace ebatch {

struct SequenceDescriptor {
  std::int64_t id = 0;
  std::int64_t length = 0;         // useful steps
  std::int64_t padded_length = 0;  // steps computed (>= length; padding is real work)
  std::uint64_t input_address = 0;
  std::uint64_t output_address = 0;
};

// A run of consecutive steps of one sequence in one slot, in one direction of one layer.
struct Segment {
  int slot = 0;
  SequenceDescriptor sequence;
  std::int64_t begin = 0, end = 0;  // steps [begin, end) of the sequence; backward runs end-1 down to begin
  std::int64_t window_offset = 0;   // when the segment starts in the pass's lockstep timeline
  std::int64_t useful_steps = 0;    // steps below the sequence's length
  bool resets_state = false;        // the direction's first step of this sequence
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
  // Plans and performs one layer of a command (call for each layer in order).
  void run_layer(const Command& command, int layer, LayerPass& pass);
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
    return s.descriptor.padded_length - available(s, layer);
  }
  // Whether a command on this slot and layer would compute at least one step.
  bool can_advance(int slot, int layer) const;

 private:
  struct InFlight {
    SequenceDescriptor descriptor;
    std::vector<std::int64_t> forward_done, backward_done;  // per layer
  };
  std::int64_t available(const InFlight& s, int layer) const;
  template <bool kPass>
  void advance(const Command& command, int layer, LayerPass* pass);

  NetworkSpec network_;
  int queue_depth_;
  // Per slot, its queue oldest first (a vector: a few entries, walked every pass).
  std::vector<std::vector<InFlight>> slots_;
  std::vector<Completion> completions_;
};

}  // namespace ebatch
