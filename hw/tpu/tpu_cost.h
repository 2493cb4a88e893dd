// Closed-form cycles and action counts of a TPU v1-like weight-stationary
// systolic array (untimed core).
//
// GEMM (M x K) * (K x N) on an R x C array: K maps to rows, N to columns, the
// M rows stream through. Folds = ceil(K/R) * ceil(N/C).
// - compute_cycles: SCALE-Sim's weight-stationary convention (REFERENCE.md
//   section 5): folds * (2R + C + M - 2), no overlap, no DRAM.
// - total_cycles: our model. Every weight tile comes from DRAM through the
//   weight FIFO (depth F tiles; a tile enters the FIFO when a slot is free and
//   the previous tile has arrived), shifts into the array in R cycles while the
//   previous fold computes (double-buffered weights), and computes in
//   R + C + M - 2 cycles (stream M rows, skew and drain). The first tile also
//   waits the DRAM latency. Stall cycles = total - (R + sum of fold compute).
// An LSTM/GRU layer pass maps to GEMMs: the input half as one GEMM over all
// (slot, step) rows of the pass, the recurrent half as one GEMM per lockstep
// step over the active slots, then element-wise gate math in the activation
// unit (activation_width elements per cycle) after each recurrent GEMM.
// Weights never stay on chip between GEMMs (TPU v1 has only the FIFO).
// Cross-GEMM prefetch (hardware.weight_prefetch: cross_gemm): the GEMMs of a pass are a
// fixed sequence (input half, then one recurrent GEMM per step, per direction, then the
// output layer), known when the pass starts, so the FIFO goes on fetching the next GEMM's
// tiles as soon as the DRAM is free and a FIFO slot is (within weight_fifo_tiles), while
// the current GEMM and the element-wise work after it run. Convention: one weight pipeline
// (WeightPipeline) runs through the pass's GEMMs in order; a GEMM's first tile still pays
// the DRAM latency (a new stream), but from the end of the previous GEMM's last fetch, not
// from the GEMM's start; its first fold's weights shift in while the previous GEMM's last
// fold computes; its compute starts no earlier than the array is free (previous GEMM and
// its element-wise work done). The pipeline starts empty at every pass: the next pass's
// GEMMs are not fetched ahead (the accelerator learns them from the next command, or, for
// the next layer of a command, only after this pass's output write), so prefetch never
// crosses a pass. With `off` (the default) every GEMM starts its own empty pipeline.
// Ignores: unified-buffer bank conflicts, host PCIe transfers, instruction issue.
#pragma once

#include <cstdint>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/slot_engine.h"
#include "hw/tpu/tpu_config.h"

namespace ebatch {

struct GemmCost {
  std::uint64_t folds = 0;
  std::uint64_t compute_cycles = 0;  // SCALE-Sim convention
  std::uint64_t total_cycles = 0;    // with overlap and DRAM stalls
  std::uint64_t stall_cycles = 0;
  std::uint64_t weight_bytes = 0;  // DRAM reads through the weight FIFO
  double macs = 0;                 // useful MACs (M*K*N)
  double ub_read_bytes = 0, acc_read_bytes = 0, acc_write_bytes = 0;
  double utilisation() const;        // useful MACs / (R*C*total_cycles)
  std::uint64_t rows = 0, cols = 0;  // array size, for utilisation
};

// The weight pipeline's state between folds (cycles from the pipeline's start): the shift
// starts of the last `depth` folds (a ring, at fold % depth), the end of the last fetch, the
// last fold's compute start and end, and the folds done.
struct WeightPipeline {
  std::vector<std::uint64_t> ring;
  std::uint64_t fetch_end = 0, compute_start_prev = 0, compute_end = 0;
  std::uint64_t i = 0;
};

// One GEMM on an empty pipeline (no prefetch).
GemmCost tpu_gemm(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n);
// One GEMM continuing `pipeline` (cross-GEMM prefetch): its compute starts no earlier than
// cycle `array_free` of the pipeline; total_cycles is its end minus array_free; stall_cycles
// what exceeds its folds' compute (and, on an empty pipeline, the first shift-in).
GemmCost tpu_gemm(const HardwareConfig& hw, std::uint64_t m, std::uint64_t k, std::uint64_t n, WeightPipeline& pipeline,
                  std::uint64_t array_free);

struct TpuPassCost {
  std::uint64_t cycles = 0;
  std::uint64_t weight_bytes = 0, input_dram_bytes = 0, output_dram_bytes = 0;
  std::uint64_t stall_cycles = 0;
  double macs = 0;
  double ub_read_bytes = 0, ub_write_bytes = 0, acc_read_bytes = 0, acc_write_bytes = 0;
  double fifo_bytes = 0;  // written into and read out of the weight FIFO
  double act_ops = 0, activations = 0;
};

class TpuCostModel {
 public:
  TpuCostModel(const HardwareConfig& hw, const NetworkSpec& net);
  TpuPassCost cost(const LayerPass& pass) const;
  std::uint64_t elementwise_cycles(std::uint64_t active_slots) const;
  // With cross-GEMM prefetch, a GEMM on a pipeline past its first depth + 1 folds depends only
  // on (M, K, N) and the pipeline's state relative to when its compute may start (the
  // recurrence is max and + of cycle counts: translation-invariant), so its result is
  // memoised by that key (a direct-mapped table) and shifted into place. Off: every GEMM is
  // worked out (the tests compare the two).
  void set_gemm_memo(bool on) const { memo_on_ = on; }
  std::uint64_t gemm_memo_hits() const { return memo_hits_; }

 private:
  // One memoised chained GEMM: its key and what it does, relative to `base` (the cycle its
  // compute may start: max(compute_end, array_free)).
  struct GemmMemoEntry {
    std::vector<std::uint64_t> key;  // m, k, n, base - array_free, base - fetch_end, base - compute_start_prev,
                                     // base - ring (oldest first)
    GemmCost cost;
    std::vector<std::uint64_t> after;  // fetch_end, compute_start_prev, compute_end, ring (oldest first), - base
    std::uint64_t folds = 0;
  };
  GemmCost chained_gemm(std::uint64_t m, std::uint64_t k, std::uint64_t n, WeightPipeline& chain,
                        std::uint64_t array_free) const;
  mutable std::vector<GemmMemoEntry> gemm_memo_;
  mutable std::vector<std::uint64_t> key_;  // the key being looked up (storage kept)
  mutable bool memo_on_ = true;
  mutable std::uint64_t memo_hits_ = 0;

  // `chain`: the pass's weight pipeline with cross-GEMM prefetch, nullptr without.
  void add_gemm(TpuPassCost& c, std::uint64_t m, std::uint64_t k, std::uint64_t n, WeightPipeline* chain) const;
  void add_direction(const LayerPass& pass, const std::vector<Segment>& segments, std::int64_t span, TpuPassCost& c,
                     WeightPipeline* chain) const;
  HardwareConfig hw_;
  NetworkSpec net_;
  int bytes_, cell_ops_;
};

}  // namespace ebatch
