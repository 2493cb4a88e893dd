// Whole runs of autoregressive networks (issue 14): a small encoder-decoder network on E-PUR
// and the TPU under every policy. Checks: every request completes exactly once; the host saw
// only the maximum length (requests.csv `length`) and learnt the real one from the completion
// status (`steps`, equal to the length the stimulus drew and handed to the accelerator alone);
// the interrupt line rose exactly once with SEQ_DONE pending per completed sequence (the other
// edges are CMD_DONE alone, at most one per command); no pass ran a decoder layer ahead of the layer above.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/register_map.h"
#include "hw/pass_plan.h"
#include "runtime/policy.h"
#include "tb/run_observer.h"
#include "tb/simulation.h"
#include "tb/system_top.h"
#include "tb/wave_probes.h"
#include "tb/workload.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;
using test::scratch_dir;

// 2 encoder + 2 decoder LSTM layers of 64, a 500-way output layer.
const char* const kEncDec =
    "{name: tiny_nmt, cell: lstm, input_size: 32, hidden_size: 64, layers: 4, encoder_layers: 2, "
    "autoregressive: true, output: {size: 500, activation: softmax}}";

// Rising edges of the interrupt line, and those with SEQ_DONE pending in IRQ_STATUS (read
// from the register model without a bus access): one per completed sequence.
class SeqDoneEdges : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> irq{"irq"};
  std::uint64_t edges = 0, seq_done_edges = 0;

  SeqDoneEdges(const sc_core::sc_module_name& name, const Accelerator& accelerator)
      : sc_core::sc_module(name), accelerator_(accelerator) {
    SC_HAS_PROCESS(SeqDoneEdges);
    SC_METHOD(on_rise);
    sensitive << irq.pos();
    dont_initialize();
  }

 private:
  void on_rise() {
    ++edges;
    if (accelerator_.tlm_control().irq_status() & regs::kIrqSeqDone) ++seq_done_edges;
  }
  const Accelerator& accelerator_;
};

class IrqEdges : public RunObserver {
 public:
  void attach(SystemTop& top) override {
    counter_ = std::make_unique<SeqDoneEdges>("test_irq_edges", *top.accelerator);
    counter_->irq(top.irq);
  }
  std::uint64_t edges() const { return counter_->edges; }
  std::uint64_t seq_done_edges() const { return counter_->seq_done_edges; }

 private:
  std::unique_ptr<SeqDoneEdges> counter_;
};

struct DecoderRun {
  Experiment e;
  RunStats st;
  std::vector<test::RequestRow> rows;
  std::uint64_t irq_edges = 0, seq_done_edges = 0;
  std::vector<LayerPass> passes;
};

DecoderRun run(const std::string& experiment, const std::vector<Override>& overrides) {
  DecoderRun r;
  std::vector<Override> o = {{"network", kEncDec},
                             {"workload.requests", "24"},
                             {"workload.lengths", "{distribution: uniform, min: 3, max: 30}"}};
  o.insert(o.end(), overrides.begin(), overrides.end());
  r.e = load_experiment(repo_path(experiment), o);
  const std::string dir = scratch_dir("decoders");
  RunOutputs out;
  out.requests_csv = dir + "/requests.csv";
  IrqEdges edges;
  RunHooks hooks;
  hooks.observers.push_back(&edges);
  hooks.pass_observer = [&](const LayerPass& p, const PassPlan&, double, double) { r.passes.push_back(p); };
  r.st = run_experiment(r.e, out, hooks);
  r.rows = test::read_requests_csv(out.requests_csv);
  r.irq_edges = edges.edges();
  r.seq_done_edges = edges.seq_done_edges();
  return r;
}

void expect_decoded(const DecoderRun& r) {
  ASSERT_TRUE(r.st.error.empty()) << r.st.error;
  std::vector<Request> requests = generate_requests(r.e.workload);
  const OutputLengths truth = hide_output_lengths(r.e.workload, r.e.network, requests);
  ASSERT_EQ(r.rows.size(), requests.size());
  EXPECT_EQ(r.st.completed, std::int64_t(requests.size()));
  std::map<std::int64_t, int> seen;
  int shorter = 0;
  for (const auto& row : r.rows) {
    seen[row.id]++;
    const Request& q = requests.at(std::size_t(row.id));
    EXPECT_EQ(row.length, q.length) << "the host's length is the maximum, request " << row.id;
    EXPECT_EQ(row.steps, truth.at(row.id)) << "steps from the completion status, request " << row.id;
    EXPECT_LE(row.steps, row.length);
    shorter += row.steps < row.length;
  }
  EXPECT_GT(shorter, 0) << "no sequence ended before its maximum: the test shows nothing";
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << "request " << id;
  // Exactly one rising edge with SEQ_DONE pending per completed sequence (the line drops for a
  // cycle after a pop that leaves completions waiting); the others are CMD_DONE alone, at most
  // one per command.
  EXPECT_EQ(r.seq_done_edges, std::uint64_t(requests.size()));
  EXPECT_LE(r.irq_edges - r.seq_done_edges, std::uint64_t(r.st.commands));
  // Step-major: a decoder pass runs one step per sequence; per (request, layer) the steps done
  // never exceed the layer below's, and the decoder's first layer is never ahead of the last.
  const int first = r.e.network.first_decoder_layer(), layers = r.e.network.num_layers;
  std::map<std::int64_t, std::vector<std::int64_t>> done;
  for (const auto& p : r.passes) {
    for (const auto& s : p.forward) {
      auto& d = done[s.sequence.id];
      d.resize(std::size_t(layers), 0);
      d[std::size_t(p.layer)] = s.end;
      if (p.layer < first) continue;
      EXPECT_EQ(s.end - s.begin, 1) << "decoder layer " << p.layer << " ran two steps in one pass";
      if (p.layer > first) {
        EXPECT_LE(s.end, d[std::size_t(p.layer - 1)]);
      }
      if (p.layer == first) {
        EXPECT_EQ(s.begin, d[std::size_t(layers - 1)]) << "a step before the previous token";
        if (first > 0) {
          EXPECT_EQ(d[std::size_t(first - 1)], s.sequence.source_padded) << "before the encoder's end";
        }
      }
    }
  }
}

TEST(DecoderSystem, NoBatchingOnEpur) {
  expect_decoded(run("configs/experiments/default.yaml", {{"policy", "{kind: none}"}}));
}

TEST(DecoderSystem, PaddedUntilAllEndOnEpur) {
  const DecoderRun r = run("configs/experiments/default.yaml", {{"policy", "{kind: padded, slots: 4}"}});
  expect_decoded(r);
  EXPECT_GT(r.st.step_slots_padding, 0);  // the sources are padded to the batch's longest
}

TEST(DecoderSystem, PaddedToMaxComputesMoreThanUntilAllEnd) {
  const DecoderRun end = run("configs/experiments/default.yaml", {{"policy", "{kind: padded, slots: 4}"}});
  const DecoderRun max =
      run("configs/experiments/default.yaml", {{"policy", "{kind: padded, slots: 4, decoder_padding: to_max}"}});
  expect_decoded(max);
  EXPECT_DOUBLE_EQ(max.st.step_slots_useful, end.st.step_slots_useful);
  EXPECT_GT(max.st.step_slots_padding, end.st.step_slots_padding);
  EXPECT_GT(max.st.sim_time_s, end.st.sim_time_s);
}

TEST(DecoderSystem, CellularOnEpurLearnsEndsFromCompletions) {
  expect_decoded(run("configs/experiments/default.yaml", {{"policy", "{kind: cellular, slots: 4}"}}));
}

TEST(DecoderSystem, CellularOverMmio) {
  expect_decoded(
      run("configs/experiments/default.yaml", {{"policy", "{kind: cellular, slots: 4, command_mode: mmio}"}}));
}

TEST(DecoderSystem, EbatchOnEpur) {
  expect_decoded(run("configs/experiments/default.yaml", {{"policy", "{kind: ebatch, slots: 4, window_steps: 4}"}}));
}

TEST(DecoderSystem, EbatchTunedOnTpu) {
  expect_decoded(
      run("configs/experiments/eesen_tpu.yaml", {{"policy", "{kind: ebatch, slots: 4, tuner: {candidates: [2, 8]}}"}}));
}

TEST(DecoderSystem, CellularOnTpu) {
  expect_decoded(run("configs/experiments/eesen_tpu.yaml", {{"policy", "{kind: cellular, slots: 4}"}}));
}

TEST(DecoderSystem, DecoderAloneEndsAtTheDrawnLength) {
  // No encoder: lengths draws each output length, the host programs workload.decoding.max_length.
  const DecoderRun r = run("configs/experiments/default.yaml",
                           {{"network",
                             "{name: tiny_dec, cell: lstm, input_size: 32, hidden_size: 64, layers: 2, "
                             "autoregressive: true, output: {size: 500, activation: softmax}}"},
                            {"workload.decoding", "{max_length: 40}"},
                            {"policy", "{kind: ebatch, slots: 4, window_steps: 8}"}});
  expect_decoded(r);
  for (const auto& row : r.rows) EXPECT_EQ(row.length, 40);
}

}  // namespace
}  // namespace ebatch
