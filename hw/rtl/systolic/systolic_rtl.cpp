#include "hw/rtl/systolic/systolic_rtl.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace ebatch::rtl {

namespace {
constexpr double kHalfPeriodNs = 0.5;  // a 1 GHz clock (only the edge count matters)
}

std::vector<std::int32_t> reference_gemm(const SystolicGemm& g) {
  std::vector<std::int32_t> y(g.m * g.n, 0);
  for (std::uint64_t i = 0; i < g.m; ++i)
    for (std::uint64_t j = 0; j < g.n; ++j) {
      std::uint32_t acc = 0;  // int32 two's complement, wrapping as the accumulators do
      for (std::uint64_t kk = 0; kk < g.k; ++kk)
        acc += std::uint32_t(std::int32_t(g.x[i * g.k + kk]) * std::int32_t(g.w[kk * g.n + j]));
      y[i * g.n + j] = std::int32_t(acc);
    }
  return y;
}

SystolicRtl::SystolicRtl(sc_core::sc_module_name name, int rows, int cols)
    : sc_core::sc_module(name), rows_(rows), cols_(cols) {
  SC_HAS_PROCESS(SystolicRtl);
  SC_THREAD(thread);
}

void SystolicRtl::thread() {
  for (;;) {
    while (body_done_) wait(start_);
    if (!reset_done_) {  // two edges of reset before the first body
      rst_n_.write(false);
      for (int i = 0; i < 2; ++i) {
        wait(kHalfPeriodNs, sc_core::SC_NS);
        clk_.write(true);
        wait(kHalfPeriodNs, sc_core::SC_NS);
        clk_.write(false);
      }
      rst_n_.write(true);
      reset_done_ = true;
    }
    body_();
    body_done_ = true;
  }
}

void SystolicRtl::run(const std::function<void()>& body) {
  if (sc_core::sc_get_status() == sc_core::SC_RUNNING)
    throw std::logic_error("SystolicRtl::run from inside the simulation");
  body_ = body;
  body_done_ = false;
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
  if (!body_done_) throw std::logic_error("SystolicRtl::run: the simulation stopped before the body ended");
}

SystolicRtl::PinsOut SystolicRtl::edge(const PinsIn& in) {
  drive(in);
  wait(kHalfPeriodNs, sc_core::SC_NS);
  clk_.write(true);
  wait(kHalfPeriodNs, sc_core::SC_NS);
  PinsOut out;
  sample(out);
  clk_.write(false);
  ++edges_;
  return out;
}

SystolicGemmResult SystolicRtl::gemm(const SystolicGemm& g) {
  if (g.m == 0 || g.k == 0 || g.n == 0) throw std::invalid_argument("systolic RTL GEMM: M, K and N must be at least 1");
  if (g.x.size() != g.m * g.k || g.w.size() != g.k * g.n)
    throw std::invalid_argument("systolic RTL GEMM: X must hold M*K and W K*N values");
  const auto wall_start = std::chrono::steady_clock::now();
  const std::uint64_t r = std::uint64_t(rows_), c = std::uint64_t(cols_);
  const std::uint64_t col_folds = (g.n + c - 1) / c, folds = ((g.k + r - 1) / r) * col_folds;
  SystolicGemmResult res;
  res.folds = folds;
  res.y.assign(g.m * g.n, 0);
  res.fold_cycles.assign(folds, 0);
  const std::uint64_t errors_before = assertion_failures();
  run([&] {
    // Per edge: the fold whose tile is shifting in (load) and its row, the fold streaming
    // inputs (compute, swapped) and its next row, the folds whose outputs are all back.
    std::uint64_t loaded = 0, load_row = 0, swapped = 0, in_row = 0, done = 0, out_row = 0;
    bool streaming = false;
    std::vector<std::uint64_t> first_edge(folds, 0);
    std::uint64_t e = 0;
    const std::uint64_t limit = 16 + folds * (2 * r + c + g.m + 4);  // serial bound plus slack
    PinsIn p;
    p.w_row.assign(c, 0);
    p.x_row.assign(r, 0);
    while (done < folds) {
      if (e > limit) throw std::logic_error("systolic RTL GEMM: the array did not return every output row");
      p.w_shift = p.w_swap = p.x_valid = p.x_last = false;
      // A fold starts when its tile is in the shadow and the previous fold has drained.
      if (!streaming && swapped < folds && loaded > swapped && done == swapped) {
        p.w_swap = true;
        streaming = true;
        in_row = 0;
        first_edge[swapped] = e;
        ++swapped;
      }
      if (streaming) {
        const std::uint64_t k0 = ((swapped - 1) / col_folds) * r;
        for (std::uint64_t i = 0; i < r; ++i) p.x_row[i] = k0 + i < g.k ? g.x[in_row * g.k + k0 + i] : 0;
        p.x_valid = true;
        p.x_last = in_row + 1 == g.m;
        if (++in_row == g.m) streaming = false;
      }
      // The next tile shifts in once the shadow is free (its previous tile swapped in, not on
      // the swap edge); serially, only once every earlier fold has drained.
      const bool may_load =
          loaded < folds && loaded == swapped && !p.w_swap && (g.overlap || (done == swapped && !streaming));
      if (may_load || (load_row > 0 && load_row < r)) {
        const std::uint64_t k0 = (loaded / col_folds) * r, n0 = (loaded % col_folds) * c;
        const std::uint64_t kk = k0 + (r - 1 - load_row);  // the last row of the tile first
        for (std::uint64_t j = 0; j < c; ++j) p.w_row[j] = kk < g.k && n0 + j < g.n ? g.w[kk * g.n + n0 + j] : 0;
        p.w_shift = true;
        if (++load_row == r) {
          load_row = 0;
          ++loaded;
        }
      }
      const PinsOut out = edge(p);
      if (out.y_valid) {
        if (done >= swapped) throw std::logic_error("systolic RTL GEMM: an output row outside a fold");
        const std::uint64_t n0 = (done % col_folds) * c, nc = std::min(c, g.n - n0);
        for (std::uint64_t j = 0; j < nc; ++j) {
          std::int32_t& y = res.y[out_row * g.n + n0 + j];
          y = std::int32_t(std::uint32_t(y) + std::uint32_t(out.y_row[j]));
        }
        ++out_row;
        if (out.y_last != (out_row == g.m))
          throw std::logic_error("systolic RTL GEMM: y_last does not mark the fold's last row");
        if (out.y_last) {
          res.fold_cycles[done] = e - first_edge[done] + 1;
          ++done;
          out_row = 0;
        }
      }
      ++e;
    }
    res.cycles = e;
  });
  res.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (assertion_failures() != errors_before)
    throw std::runtime_error("systolic RTL GEMM: an RTL assertion fired (see the %Error lines above)");
  return res;
}

}  // namespace ebatch::rtl
