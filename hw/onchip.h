// On-chip capacity (untimed core): the working set of one layer pass in each on-chip memory
// of a platform, what exceeds the memory's capacity, and what hardware.spill does with it.
//
// Working set of a pass (b = bytes per value at the hardware's precision; rows_d the
// (slot, step) rows of direction d of the pass, slots_d its segments, in the layer's input
// width, h the hidden size, g the gates, o the output layer's size):
//   inputs   sum_d rows_d * in * b     the rows the pass reads (the previous layer's outputs
//                                      kept on chip, or layer-0 inputs where the platform
//                                      keeps them on chip);
//   wx       max_d rows_d * g * h * b  W x_t + b of every row of a direction: written by its
//                                      input half, read by its recurrence; the directions run
//                                      one after the other, so only one direction's is live;
//   states   sum_d slots_d * h * b * s h (and, LSTM, c: s = 2; GRU s = 1) of every slot;
//   outputs  sum_d rows_d * h * b      the layer's outputs the pass produces, kept for the
//            + rows_out * o * b        next layer's pass, the backward direction, or the
//                                      output write; plus the output layer's results.
// The working set is their sum: an upper bound on what is live at the pass's peak (every
// input, output and state of the pass is taken as live for the whole pass; only the two
// directions' W x results are never live at once).
// Per platform:
//   E-PUR intermediate memory:  inputs (layers above 0; layer-0 inputs go from DRAM to the
//                               input buffers) + wx + states + outputs;
//   TPU unified buffer:         inputs (every layer: layer-0 inputs are read into it) + wx
//                               + states + outputs;
//   TPU accumulators:           the largest GEMM output of the pass in 32 bit, M * N * 4
//                               (input half: rows_d x g*h, never less than a recurrent
//                               GEMM's active slots x g*h; output layer: rows_out x o): the
//                               cost model folds K outermost, so every column of a GEMM
//                               accumulates until its last row fold.
// Ignores: bank granularity, double buffering.
//
// Held activations (HeldActivations, below): what earlier passes left on chip for later
// passes. The activation memory's working set (E-PUR intermediate memory, TPU unified
// buffer: memory 0 of each platform) is the pass's own set above plus the held bytes the
// pass does not read (those it reads are its `inputs`) and that are not spilled.
//   held:      the outputs of a layer l below the last, per (slot, sequence), from the pass
//              that produced them until the pass of layer l + 1 that consumes them for the
//              last time. Unidirectional: step t of l is released when l + 1's forward
//              direction has run step t (h * b bytes while held). Bidirectional: each
//              direction's half (h * b) is held from when that direction of l produced it;
//              once both halves exist the step is layer l's output (concat: 2h * b, sum: h *
//              b); it is released when both directions of l + 1 have run step t (the forward
//              direction of l + 1 may read it long before the backward one: E-BATCH keeps
//              whole sequences of layer-l outputs until l + 1's backward direction has run).
//              Padded steps are computed, so they are held like useful ones.
//   not held:  layer-0 inputs (read from DRAM), the last layer's outputs (written to DRAM),
//              the states (already in the pass's own set: a slot's h and c stay with it).
//   held bytes reported (OnChipUse::held_bytes, stats onchip.<memory>.held_peak_bytes):
//              everything held between this pass and the next, on chip or spilled.
// hardware.spill: dram with held activations: the pass's excess (working set - capacity) is
// taken first from its own outputs that later passes need (the newest produced; from its
// last segment back): those bytes are written to DRAM once (spill_write of this pass) and
// stay there until released; each pass that reads that (slot, sequence)'s layer outputs
// reads them back (spill_read of that pass: as many spilled bytes as it reads, spilled ones
// first), so a unidirectional next layer reads each spilled byte once, a bidirectional one
// once per direction (the forward pass's copy is not kept on chip for the backward one). A
// held byte is written to DRAM at most once. The rest of the excess (a pass whose own set
// alone does not fit, or the last layer) is written and read back within the pass (as
// before). A request dropped by a failure (SlotEngine::abort) keeps its held bytes
// counted until the planner is reset.
//
// hardware.spill (common/experiment.h):
//   ignore  the memories are unbounded (as before the capacity model): working sets are only
//           reported (stats.json onchip.*), no time, no traffic;
//   dram    the excess (working set - capacity) of each memory is written to DRAM and read
//           back once: two plan phases after compute (spill_write, spill_read: timed DRAM
//           transfers, serial with compute, a pessimistic bound), counted by the DRAM for
//           energy and contention; on-chip reads and writes are counted as usual;
//   reject  a pass whose working set exceeds a capacity is an error naming the memory, the
//           bytes needed against its capacity and the key to change: the estimator throws
//           CapacityError (hw/contract/pass_estimator.h; the window tuner skips that window,
//           exit 2 if none fits); the timed model carries the pass out as under ignore and
//           the run ends failed with that error (stats.json error, complete: false), as the
//           plan is known only when the pass is issued.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/pass_estimator.h"
#include "hw/contract/slot_engine.h"
#include "hw/onchip_memory.h"

namespace ebatch {

// The parts of a pass's activation working set (see above).
struct ActivationWorkingSet {
  std::uint64_t inputs = 0, wx = 0, states = 0, outputs = 0;
  std::uint64_t total() const { return inputs + wx + states + outputs; }
};
// `inputs_on_chip`: whether the pass's inputs count (false: they stream from DRAM).
ActivationWorkingSet activation_working_set(const NetworkSpec& net, const LayerPass& pass, int bytes,
                                            bool inputs_on_chip);
// The TPU accumulators' working set: the largest M * N * 4 of the pass's GEMMs.
std::uint64_t accumulator_working_set(const NetworkSpec& net, const LayerPass& pass);

// hardware.spill applied to one memory's working set: the bytes spilled, written and read
// back within the pass (dram: the excess; otherwise, or a set that fits: 0).
OnChipUse apply_spill(SpillMode mode, const OnChipMemory& memory, std::uint64_t working_set);
// "hardware.spill: reject: unified_buffer: a layer pass needs 30 MiB (... B) on chip[, ... B of
// them activations held for later passes], capacity 24 MiB (... B); raise hardware.unified_buffer, ..."
std::string capacity_message(const OnChipMemory& memory, std::uint64_t working_set, std::uint64_t held = 0);
// Throws CapacityError for the first memory whose working set exceeds its capacity.
void check_fits(const std::vector<OnChipMemory>& memories, const std::vector<OnChipUse>& uses);

// The activations held on chip between passes (see above), from the passes a planner sees in
// order. Untimed; no SlotEngine state: a pass's segments say what it produced and consumed.
class HeldActivations {
 public:
  HeldActivations(const NetworkSpec& net, int bytes);
  // Before the pass's working set is known: the held bytes on chip (not spilled) that it does
  // not read, the spilled bytes it reads back, and the bytes of its outputs that later passes
  // need (0 for the last layer: they go to DRAM).
  struct Before {
    std::uint64_t resident_not_read = 0, read_back = 0, new_held = 0;
  };
  Before before(const LayerPass& pass);
  // Then: records what that pass produced and consumed (spilled bytes it released leave DRAM);
  // `spill` bytes of its new held outputs were written to DRAM. Returns the bytes held now.
  std::uint64_t after(std::uint64_t spill);
  std::uint64_t held_bytes() const { return held_; }
  std::uint64_t spilled_bytes() const { return spilled_; }
  // The held and spilled bytes summed afresh over every entry (tests: held_bytes() and
  // spilled_bytes() are running totals, never rescanned, and must equal these).
  struct Recount {
    std::uint64_t held = 0, spilled = 0;
  };
  Recount recount() const;
  void reset();

 private:
  // Layer `layer`'s outputs of one (slot, sequence): steps [0, forward) and [backward, length)
  // produced; steps [0, consumed_forward) and [consumed_backward, length) run by layer + 1.
  struct Entry {
    std::int64_t id = 0, length = 0, forward = 0, backward = 0, consumed_forward = 0, consumed_backward = 0;
    std::uint64_t spilled = 0;  // of its held bytes, in DRAM
    std::uint64_t held = 0;     // held_of(*this), kept current (the running totals read it, not rescan)
  };
  // Entries by layer and slot (a slot holds a few sequences in flight: searched in turn); the
  // index of (layer, s.slot, s.sequence.id), or -1.
  int find(int layer, const Segment& s) const;
  std::vector<Entry>& entries(int layer, int slot);
  // One (slot, sequence) of the pass: its segments in each direction (or null), and what
  // before() did for after(): the index of its layer - 1 entry (the pass's inputs) and of its
  // layer entry (its outputs), both already updated in place, with their held bytes before.
  struct Touch {
    const Segment *forward = nullptr, *backward = nullptr;
    std::uint64_t read = 0, read_back = 0, gain = 0;
    int input = -1, output = -1;
    std::uint64_t input_held = 0, output_held = 0;  // the entries' held bytes before the pass
    bool fresh_output = false;                      // the output entry was created by this pass
  };
  std::uint64_t held_of(const Entry& e) const;
  // Entry `e` (layer l) with layer l + 1's pass `t` run over it, and with layer l's pass `t`.
  void consume(Entry& e, const Touch& t) const;
  void produce(Entry& e, const Touch& t) const;
  Entry fresh(const Segment& s) const;

  // Which layers' outputs are held for the layer above, and which layers read them: not the
  // encoder's top layer of an encoder-decoder network (without attention the decoder reads only
  // its final states, kept with the slot's states; the decoder's first layer reads embeddings).
  bool holds(int layer) const { return layer < layers_ - 1 && layer != encoder_top_; }
  bool reads_held(int layer) const { return layer > 0 && layer != encoder_top_ + 1; }

  bool bidirectional_;
  int layers_;
  int encoder_top_;            // the encoder's last layer (encoder-decoder networks), else -1
  std::uint64_t half_, step_;  // bytes of one direction's h at one step; of the layer's output at one step
  std::vector<std::vector<std::vector<Entry>>> entries_;  // [layer][slot]
  std::uint64_t held_ = 0, spilled_ = 0;
  int layer_ = 0;               // the pass between before() and after()
  std::vector<Touch> touches_;  // kept between passes (no allocation per pass)
  std::vector<int> finished_;   // after(): slots of layer_ - 1 whose entries were released
};

}  // namespace ebatch
