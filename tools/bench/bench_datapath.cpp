// Speed of the functional datapath's arithmetic for EESEN shapes (LSTM, H = 320, 4*H gate
// rows; layer 0: I = 120, layers 1-3: I = 640 = 2*H, bidirectional concat), one
// sequence-layer-direction of T = 758 time-steps (mean LibriSpeech test-clean length) per
// iteration. items/s = time-steps of one layer direction per wall-clock second.
//
//   BM_EigenSequence     the bare Eigen products of functional mode: input half
//                        (T x I) * (I x 4H), then T recurrent GEMVs (4H x H) * H; plain
//                        float, no bias, no activations, no rounding: the floor.
//   BM_EigenInputGemm    the input-half product alone.
//   BM_EigenRecurrent    the T recurrent GEMVs alone (the same for every layer).
//   BM_DatapathSequence  the same work through LayerDatapath::input_half + T x step
//                        (one slot, no mask, no reset): bias, activations, precision
//                        rounding included; fp32 and fp16.
//
// Run (Release build): build/tools/bench/bench_datapath --benchmark_repetitions=3
//   --benchmark_report_aggregates_only=true      (median of 3 in the *_median rows)
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstdlib>
#include <systemc>
#include <vector>

#include "common/precision.h"
#include "common/rnn_spec.h"
#include "common/rnn_weights.h"
#include "hw/rnn_datapath.h"

namespace {

using ebatch::RowMatrix;
constexpr int kSteps = 758;  // mean LibriSpeech test-clean utterance, in 10 ms frames
constexpr int kHidden = 320;
constexpr int kGates = 4;

ebatch::NetworkSpec eesen_spec() {
  ebatch::NetworkSpec s;
  s.name = "eesen";
  s.cell = ebatch::CellType::lstm;
  s.input_size = 120;
  s.hidden_size = kHidden;
  s.num_layers = 4;
  s.bidirectional = true;
  s.merge = ebatch::DirectionMerge::concat;
  s.output.size = 72;
  s.output.activation = ebatch::OutputActivation::softmax;
  return s;
}

int input_size(int layer) { return eesen_spec().layer_input_size(layer); }

// Inputs in [-1, 1], fixed seed.
RowMatrix random_inputs(int rows, int cols) {
  std::srand(7);
  return RowMatrix::Random(rows, cols);
}

void set_counters(benchmark::State& state, int layer) {
  state.SetItemsProcessed(std::int64_t(state.iterations()) * kSteps);
  state.SetLabel("I=" + std::to_string(input_size(layer)) + " H=" + std::to_string(kHidden) +
                 " T=" + std::to_string(kSteps));
}

// Plain Eigen, as the functional mode lays it out: x row-major (T x I), W_ih row-major
// (4H x I), gx (T x 4H) = x W_ih^T; W_hh row-major (4H x H), rec = W_hh h per step.
struct BareLayer {
  explicit BareLayer(int layer)
      : x(random_inputs(kSteps, input_size(layer))),
        w_ih(RowMatrix::Random(kGates * kHidden, input_size(layer)) * 0.05f),
        w_hh(RowMatrix::Random(kGates * kHidden, kHidden) * 0.05f),
        gx(kSteps, kGates * kHidden),
        h(Eigen::VectorXf::Random(kHidden)),
        rec(kGates * kHidden) {}
  void input_gemm() { gx.noalias() = x * w_ih.transpose(); }
  void recurrent() {
    for (int t = 0; t < kSteps; ++t) {
      rec.noalias() = w_hh * h;
      // Feed a slice back so every GEMV depends on the previous one, as in the recurrence.
      h = rec.head(kHidden) * 0.25f;
    }
  }
  RowMatrix x, w_ih, w_hh, gx;
  Eigen::VectorXf h, rec;
};

void BM_EigenSequence(benchmark::State& state) {
  const int layer = int(state.range(0));
  BareLayer b(layer);
  for (auto _ : state) {
    b.input_gemm();
    b.recurrent();
    benchmark::DoNotOptimize(b.gx.data());
    benchmark::DoNotOptimize(b.h.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, layer);
}

void BM_EigenInputGemm(benchmark::State& state) {
  const int layer = int(state.range(0));
  BareLayer b(layer);
  for (auto _ : state) {
    b.input_gemm();
    benchmark::DoNotOptimize(b.gx.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, layer);
}

void BM_EigenRecurrent(benchmark::State& state) {
  const int layer = int(state.range(0));
  BareLayer b(layer);
  for (auto _ : state) {
    b.recurrent();
    benchmark::DoNotOptimize(b.h.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, layer);
}

// range(0): layer; range(1): 0 = fp32, 1 = fp16.
void BM_DatapathSequence(benchmark::State& state) {
  const int layer = int(state.range(0));
  const ebatch::Precision precision = state.range(1) ? ebatch::Precision::fp16 : ebatch::Precision::fp32;
  const ebatch::NetworkSpec spec = eesen_spec();
  const ebatch::RnnWeights weights = ebatch::RnnWeights::random(spec, 42);
  const ebatch::LayerDatapath dp(spec, weights.layers[std::size_t(layer)][0], layer, precision);
  const RowMatrix x = random_inputs(kSteps, dp.input_size());
  RowMatrix gx(kSteps, dp.gate_width());
  RowMatrix h_out(kSteps, dp.hidden_size());
  ebatch::SlotState slot = dp.make_state(1);
  const std::vector<std::uint8_t> all;  // empty: every slot computes, no reset
  for (auto _ : state) {
    slot.reset_all();
    dp.input_half(x, gx);
    for (int t = 0; t < kSteps; ++t) dp.step(gx.row(t), all, all, slot, h_out.row(t));
    benchmark::DoNotOptimize(h_out.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, layer);
  state.SetLabel(std::string(ebatch::to_string(precision)) + " I=" + std::to_string(dp.input_size()) +
                 " H=" + std::to_string(kHidden) + " T=" + std::to_string(kSteps));
}

// Rates from wall-clock time, like ebatch's own sequence-layer-steps per wall second.
BENCHMARK(BM_EigenSequence)->ArgName("layer")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EigenInputGemm)->ArgName("layer")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_EigenRecurrent)->ArgName("layer")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DatapathSequence)
    ->ArgNames({"layer", "fp16"})
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

// libsystemc.so defines main() and calls sc_main(); ours keeps the kernel's banner off
// stdout (machine-readable output) and hands over to it, like the ebatch command.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
