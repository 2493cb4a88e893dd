// Closed-form timing and action counts of E-PUR for one layer pass (untimed core).
//
// Models (Silfa et al., PACT 2018, as recalled in REFERENCE.md section 3):
// - compute units (CUs) each own ceil(gates*H / CUs) rows of the layer's gate
//   matrices (one gate per CU for an LSTM on 4 CUs); a CU's dot-product unit
//   (DPU) does `w` MACs per cycle per lane, so one row against one input vector
//   takes ceil(K / w) cycles; with `L` lanes (hardware.dot_product_lanes) one
//   weight fetch feeds L input vectors at once, so V vectors take ceil(V / L)
//   times that; the multifunctional unit (MFU) does `m` element-wise results per cycle;
// - Maximizing Weight Locality: a layer's input half (W x_t) for all steps of
//   the pass while its weights are on chip, then the recurrence (U h_{t-1})
//   step by step, in lockstep over the active slots;
// - a DPU reuses a fetched weight chunk for as many input vectors as its input
//   buffer holds, and at least for its L lanes (batching saves weight-buffer reads;
//   lanes also save DPU cycles);
// - weights live in the per-CU weight buffers, whole layers kept least-recently
//   used; a layer that does not fit is streamed: W once per pass and the part of
//   U that does not fit once per recurrent step, with the extra DRAM traffic counted;
// - hardware.weight_streaming overlapped: the load is chunked (one row per CU) and
//   double-buffered; only the first chunk is loaded before compute, the rest under
//   the compute that consumes rows as they arrive (input halves, each direction's
//   first recurrent step, the output layer: PassCost::overlap_cycles);
// - hardware.weight_prefetch next_layer: when the buffer holds the current layer and
//   the next layer of the command, the next layer is loaded during this pass's compute
//   (PassCost::prefetch_bytes, counted once, in this pass).
// Per recurrent step: max(DPU, MFU gate work) + DPU pipeline latency + the
// cell update (LSTM 4 ops + tanh, GRU 7 ops + tanh per element) on all MFUs.
// Ignores: bank conflicts, MFU/DPU overlap inside the cell update, control overhead.
//
// Speed (no result change): one direction's cost (DirectionCost) is summed over runs of
// recurrent steps with the same active slot count (not step by step), the per-step closed
// form is tabled per active count, and the cost of a rectangular direction (every segment
// starts at lockstep step 0 and runs the whole span: every cell of cellular batching, every
// full window) is memoised per (layer, segments, span) in a small direct-mapped table. The
// tables cache the closed forms, they do not replace them (direction_cost(..., false) is the
// uncached form; tests compare both). Every count is an integer below 2^53, so summing a
// direction's terms before adding them to the pass gives the same doubles.
#pragma once

#include <cstdint>
#include <list>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/epur/epur_config.h"

namespace ebatch {

// What one pass costs, before time is attached.
// One direction's share of a PassCost (the terms add_direction adds to the pass).
struct DirectionCost {
  std::uint64_t input_half_cycles = 0, recurrent_cycles = 0, overlap_cycles = 0;
  std::uint64_t weight_stream_bytes = 0, input_dram_bytes = 0;
  double macs = 0, wb_read_bytes = 0, ib_write_bytes = 0, ib_read_bytes = 0, im_read_bytes = 0, im_write_bytes = 0;
  double mfu_ops = 0, mfu_activations = 0;
  bool operator==(const DirectionCost& o) const;
};

struct PassCost {
  std::uint64_t weight_load_bytes = 0;    // DRAM reads of weights at the start of the pass
  std::uint64_t first_chunk_bytes = 0;    // overlapped: the part of weight_load_bytes loaded before compute
  std::uint64_t overlap_cycles = 0;       // overlapped: compute cycles the rest of the load can run under
  std::uint64_t prefetch_bytes = 0;       // the next layer's weights, loaded during this pass's compute
  std::uint64_t weight_stream_bytes = 0;  // DRAM reads of weights re-fetched during the recurrence
  std::uint64_t input_dram_bytes = 0;     // layer-0 inputs read from DRAM
  std::uint64_t output_dram_bytes = 0;    // final outputs written to DRAM
  std::uint64_t input_half_cycles = 0, recurrent_cycles = 0, output_layer_cycles = 0;
  double macs = 0;
  double dpu_busy_cycles = 0;  // summed over CUs, for utilisation
  // Actions in the energy vocabulary of the platform (component, action, count).
  double wb_read_bytes = 0, wb_write_bytes = 0, ib_read_bytes = 0, ib_write_bytes = 0;
  double im_read_bytes = 0, im_write_bytes = 0, mfu_ops = 0, mfu_activations = 0;
  std::uint64_t compute_cycles() const { return input_half_cycles + recurrent_cycles + output_layer_cycles; }
};

class EpurCostModel {
 public:
  EpurCostModel(const HardwareConfig& hw, const NetworkSpec& net);

  int rows_per_cu() const { return rows_per_cu_; }
  int dpu_latency() const { return dpu_latency_; }
  // Closed forms for one direction of a layer.
  std::uint64_t input_half_cycles(int layer, std::int64_t rows) const;
  std::uint64_t recurrent_step_cycles(int active_slots) const;
  int lanes() const { return lanes_; }
  std::uint64_t output_layer_cycles(std::int64_t rows) const;
  // Bytes of one layer's weights (all directions) held by one CU.
  std::uint64_t layer_bytes_per_cu(int layer) const;
  std::uint64_t output_layer_bytes_per_cu() const;
  bool layer_fits(int layer) const { return layer_bytes_per_cu(layer) <= capacity_; }

  // Cost of a pass; updates which layers are resident in the weight buffers.
  PassCost cost(const LayerPass& pass);
  // One direction of `layer` (its segments and lockstep span; `u_overflow_per_cu`: U bytes
  // per CU re-read every recurrent step). `cached`: read and fill the memo tables (above).
  DirectionCost direction_cost(int layer, const std::vector<Segment>& segments, std::int64_t span,
                               std::uint64_t u_overflow_per_cu, bool cached = true) const;
  void reset_residency() { resident_.clear(); }
  std::uint64_t resident_bytes() const {
    std::uint64_t total = 0;
    for (const auto& r : resident_) total += r.second;
    return total;
  }

 private:
  // Makes `id` (layer, or num_layers for the output layer) resident; returns bytes loaded per CU.
  std::uint64_t make_resident(int id, std::uint64_t bytes_per_cu);
  void add_direction(const LayerPass& pass, const std::vector<Segment>& segments, std::int64_t span, PassCost& c,
                     std::uint64_t u_overflow_per_cu) const;
  // The uncached closed form: rows (slot, step) rows; runs: (steps, active slots), in order.
  DirectionCost direction_closed_form(int layer, std::int64_t rows, const std::pair<std::int64_t, int>* runs,
                                      std::size_t n_runs, std::uint64_t u_overflow_per_cu, bool cached) const;
  std::uint64_t step_cycles(int active, bool cached) const;
  mutable std::vector<std::pair<std::int64_t, int>> events_, runs_;  // direction_cost's scratch
  mutable std::vector<std::uint64_t> step_memo_;                     // recurrent_step_cycles by active count (0: unset)
  struct MemoEntry {
    int layer = -1, segments = 0;
    std::int64_t span = 0;
    std::uint64_t u_overflow = 0;
    DirectionCost cost;
  };
  mutable std::vector<MemoEntry> memo_ = std::vector<MemoEntry>(256);  // rectangular directions, direct-mapped

  HardwareConfig hw_;
  NetworkSpec net_;
  int bytes_, cus_, width_, lanes_, mfu_width_, rows_per_cu_, dpu_latency_, cell_ops_;
  WeightStreaming streaming_;
  WeightPrefetch prefetch_;
  std::uint64_t capacity_;                             // weight buffer per CU
  std::uint64_t input_buffer_;                         // per CU
  std::list<std::pair<int, std::uint64_t>> resident_;  // (id, bytes per CU), most recent first
};

}  // namespace ebatch
