// The GEMM transactor of the RTL systolic array (hw/rtl/systolic/ebatch_systolic_array.sv,
// verilated per size): streams a GEMM's weight tiles and input rows into the array's pins,
// one clock edge at a time, and collects its output rows.
//
// GEMM Y (M x N) = X (M x K) * W (K x N), int8 operands, int32 results (two's complement,
// wrapping modulo 2^32 as the array's accumulators do). Folds as hw/tpu/tpu_cost.h: the
// ROWS x COLS tile (kb, nb) of W, row folds outer (kb), column folds inner (nb), tiles past K
// or N padded with zero weights; a fold streams all M rows of X's columns [kb*R, kb*R+R) and
// its outputs are added (int32, wrapping) into the accumulator rows Y[.][nb*C, nb*C+C) that
// the transactor keeps (the TPU's accumulator SRAM, not part of the RTL).
//
// Cycle convention (pinned by tests/rtl/rtl_systolic_gemm.cpp, equal to tpu_cost.h):
//  - weight shift-in: R edges per tile (one row of C weights per edge, last row first);
//  - a fold's compute: from the edge that swaps its tile in and samples its first input row
//    to the edge that registers its last output row: R + C + M - 2 edges (M rows, skew
//    R - 1, drain C - 1, both inside the array);
//  - overlap (the default, tpu_cost.h's total_cycles without DRAM): the next tile shifts in
//    while this fold computes (double buffer, from the edge after the swap); the next fold
//    swaps in on the edge after this fold's last output (the array drains between folds):
//    GEMM = R + folds * (R + C + M - 2) = total_cycles - stall_cycles of tpu_gemm();
//  - serial (overlap = false, SCALE-Sim's convention, tpu_gemm()'s compute_cycles): a tile
//    shifts in only once the previous fold has drained: folds * (2R + C + M - 2).
// The GEMM's cycles count edges from its first weight shift to its last output, inclusive.
//
// Usage: make_systolic_rtl() before the simulation starts (SystemC elaborates once), then
// gemm() from outside the simulation (it runs sc_start() until the GEMM is done; the array's
// clock ticks only while a GEMM runs, so idle arrays cost nothing). run() lets a test drive
// the pins itself through edge().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <utility>
#include <vector>

namespace ebatch::rtl {

struct SystolicGemm {
  std::uint64_t m = 0, k = 0, n = 0;
  std::vector<std::int8_t> x;  // M x K, row-major
  std::vector<std::int8_t> w;  // K x N, row-major
  bool overlap = true;         // shift the next tile in while this fold computes
};

struct SystolicGemmResult {
  std::vector<std::int32_t> y;  // M x N, row-major
  std::uint64_t folds = 0;
  std::uint64_t cycles = 0;                // first weight shift to last output, inclusive
  std::vector<std::uint64_t> fold_cycles;  // per fold: swap edge to last output edge, inclusive
  double wall_seconds = 0;
};

// Y = X * W in int32 (wrapping), the reference the array must equal.
std::vector<std::int32_t> reference_gemm(const SystolicGemm& g);

class SystolicRtl : public sc_core::sc_module {
 public:
  // The array's pins at one edge (inputs) and after it (outputs); rows of int8 / int32.
  struct PinsIn {
    bool w_shift = false, w_swap = false, x_valid = false, x_last = false;
    bool reset = false;                     // rst_n low at this edge
    std::vector<std::int8_t> w_row, x_row;  // C and R entries (missing entries are 0)
  };
  struct PinsOut {
    bool y_valid = false, y_last = false, busy = false, shadow_full = false;
    std::vector<std::int32_t> y_row;  // C entries
  };

  int rows() const { return rows_; }
  int cols() const { return cols_; }
  // Runs one GEMM through the RTL (from outside the simulation). Throws std::invalid_argument
  // on a bad shape and std::runtime_error if an RTL assertion fired.
  SystolicGemmResult gemm(const SystolicGemm& g);
  // Runs `body` inside the transactor's thread (body calls edge()); returns when it ends.
  void run(const std::function<void()>& body);
  // One clock cycle: drives `in`, raises the clock, returns the outputs registered at it.
  // Only inside run().
  PinsOut edge(const PinsIn& in);
  std::uint64_t edges() const { return edges_; }  // clock edges since reset
  // Pin-level VCD of the array (Verilator tracing) into `path`; call before the first run.
  virtual void trace(const std::string& path) = 0;
  // RTL assertion failures ($error) so far in this process (Verilator's error count; they
  // are reported, not fatal, so that a negative test can count them).
  static std::uint64_t assertion_failures();

 protected:
  SystolicRtl(sc_core::sc_module_name name, int rows, int cols);
  virtual void drive(const PinsIn& in) = 0;
  virtual void sample(PinsOut& out) = 0;

  sc_core::sc_signal<bool> clk_{"clk"}, rst_n_{"rst_n"}, w_shift_{"w_shift"}, w_swap_{"w_swap"}, x_valid_{"x_valid"},
      x_last_{"x_last"}, y_valid_{"y_valid"}, y_last_{"y_last"}, busy_{"busy"}, shadow_full_{"shadow_full"};

 private:
  void thread();
  int rows_, cols_;
  std::function<void()> body_;
  bool body_done_ = true, reset_done_ = false;
  sc_core::sc_event start_;
  std::uint64_t edges_ = 0;
};

// The sizes built (ROWS, COLS), and the array of a built size (nullptr if not built). Make
// every array a simulation needs before its first gemm()/run().
std::vector<std::pair<int, int>> systolic_rtl_sizes();
std::unique_ptr<SystolicRtl> make_systolic_rtl(const char* name, int rows, int cols);

}  // namespace ebatch::rtl
