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
// Ignores: what earlier passes left on chip beyond the rows this pass reads (E-BATCH's
// queued windows of other layers), bank granularity, double buffering.
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

// One memory in one pass: its working set and the bytes spilled to DRAM (written, and read back).
struct OnChipUse {
  std::uint64_t working_set = 0, spill_bytes = 0;
};

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

// hardware.spill applied to one memory's working set: the bytes spilled (dram: the excess;
// otherwise, or a set that fits: 0).
OnChipUse apply_spill(SpillMode mode, const OnChipMemory& memory, std::uint64_t working_set);
// "hardware.spill: reject: unified_buffer: a layer pass needs 30 MiB (... B) on chip, capacity
// 24 MiB (... B); raise hardware.unified_buffer, ..."
std::string capacity_message(const OnChipMemory& memory, std::uint64_t working_set);
// Throws CapacityError for the first memory whose working set exceeds its capacity.
void check_fits(const std::vector<OnChipMemory>& memories, const std::vector<OnChipUse>& uses);

}  // namespace ebatch
