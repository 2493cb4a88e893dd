// Functional greedy decoding through the whole system (issue 14 items 4 and 6): a tiny
// encoder-decoder network with seeded random weights, run functionally on E-PUR under every
// policy (and E-BATCH on the TPU). Checks: every request is checked against tb/golden_reference's greedy decoder
// (tokens equal, values within tolerance) with no mismatch; the decoded tokens (outputs.npz tokens_<id>) and the
// recurrent outputs of every batched run equal the unbatched (none) run's; sequences end at their EOS, after fewer
// steps than the maximum the host programmed (the host never saw those lengths: requests.csv `length` is the maximum,
// `steps` what DONE_STEPS said); and the encoder's state handed to the decoder changes the tokens (a zero state decodes
// every request alike).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "common/npy.h"
#include "common/rnn_weights.h"
#include "tb/golden_reference.h"
#include "tb/simulation.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::repo_path;
using test::scratch_dir;

// 1 encoder + 1 decoder LSTM layer of 16, a 6-token vocabulary (bos 0, eos 1).
const char* const kTinyNmt =
    "{name: tiny_greedy, cell: lstm, input_size: 8, hidden_size: 16, layers: 2, encoder_layers: 1, "
    "autoregressive: true, embedding: {vocabulary: 6, size: 8, bos_token: 0, eos_token: 1}, "
    "output: {size: 6, activation: softmax}}";

struct GreedyRun {
  Experiment e;
  RunStats st;
  std::vector<test::RequestRow> rows;
  std::map<std::string, NpyArray> outputs;
};

GreedyRun run(const std::string& policy, const std::string& experiment = "configs/experiments/default.yaml") {
  GreedyRun r;
  r.e = load_experiment(repo_path(experiment),
                        {{"seed", "4"},  // seed 4: 9 of the 16 requests reach their EOS before the maximum
                         {"network", kTinyNmt},
                         {"workload.requests", "16"},
                         {"workload.lengths", "{distribution: uniform, min: 2, max: 8}"},
                         {"hardware.precision", "fp32"},
                         {"simulation.functional", "true"},
                         {"policy", policy}});
  const std::string dir = scratch_dir("greedy");
  RunOutputs out;
  out.requests_csv = dir + "/requests.csv";
  out.outputs_npz = dir + "/outputs.npz";
  r.st = run_experiment(r.e, out);
  r.rows = test::read_requests_csv(out.requests_csv);
  r.outputs = read_npz(out.outputs_npz);
  return r;
}

std::vector<int> tokens_of(const GreedyRun& r, std::int64_t id) {
  std::vector<int> t;
  for (float v : r.outputs.at("tokens_" + std::to_string(id)).to_float()) t.push_back(int(v));
  return t;
}

void expect_checked(const GreedyRun& r) {
  ASSERT_TRUE(r.st.error.empty()) << r.st.error;
  EXPECT_EQ(r.st.completed, 16);
  EXPECT_EQ(r.st.compared, 16);
  EXPECT_EQ(r.st.mismatches, 0) << r.st.first_mismatch;
  ASSERT_EQ(r.rows.size(), 16u);
  for (const auto& row : r.rows) {
    const std::vector<int> t = tokens_of(r, row.id);
    ASSERT_EQ(std::int64_t(t.size()), row.steps) << "request " << row.id;
    EXPECT_LE(row.steps, row.length);
    if (row.steps < row.length) {
      EXPECT_EQ(t.back(), 1) << "ended early only at its EOS";
    }
    EXPECT_EQ(r.outputs.at("seq_" + std::to_string(row.id)).shape[0], std::size_t(row.steps));
  }
}

const GreedyRun& unbatched() {
  static const GreedyRun r = run("{kind: none}");
  return r;
}

void expect_same_as_unbatched(const GreedyRun& r) {
  expect_checked(r);
  const GreedyRun& none = unbatched();
  for (const auto& row : none.rows) {
    const std::string id = std::to_string(row.id);
    EXPECT_EQ(tokens_of(r, row.id), tokens_of(none, row.id)) << "request " << id;
    const std::vector<float> a = r.outputs.at("seq_" + id).to_float(), b = none.outputs.at("seq_" + id).to_float();
    ASSERT_EQ(a.size(), b.size()) << "request " << id;
    for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5) << "request " << id << " value " << k;
  }
}

TEST(GreedyDecodingSystem, UnbatchedEndsAtEosBeforeTheMaximum) {
  const GreedyRun& r = unbatched();
  expect_checked(r);
  int early = 0;
  for (const auto& row : r.rows) early += row.steps < row.length ? 1 : 0;
  EXPECT_GT(early, 0) << "some sequences must end at their EOS, before the maximum the host programmed";
  // Hand-off: from a zero state every request would decode the same tokens; the encoder's
  // states make them differ (and the golden check above used the hand-off too).
  RnnWeights decoder = RnnWeights::random(r.e.network, r.e.seed);
  decoder.spec.num_layers = 1;
  decoder.spec.encoder_layers = 0;
  decoder.layers.erase(decoder.layers.begin());
  int differ = 0;
  for (const auto& row : r.rows)
    differ += tokens_of(r, row.id) != golden_greedy_decode(decoder, {}, 0, 1, int(row.length)).tokens ? 1 : 0;
  EXPECT_GT(differ, 0);
}

TEST(GreedyDecodingSystem, PaddedUntilAllEndEqualsUnbatched) {
  expect_same_as_unbatched(run("{kind: padded, slots: 4}"));
}

TEST(GreedyDecodingSystem, PaddedToMaxEqualsUnbatched) {
  expect_same_as_unbatched(run("{kind: padded, slots: 4, decoder_padding: to_max}"));
}

TEST(GreedyDecodingSystem, CellularEqualsUnbatched) { expect_same_as_unbatched(run("{kind: cellular, slots: 4}")); }

TEST(GreedyDecodingSystem, EbatchEqualsUnbatched) {
  expect_same_as_unbatched(run("{kind: ebatch, slots: 4, window_steps: 3}"));
}

TEST(GreedyDecodingSystem, EbatchOnTpuEqualsUnbatchedOnEpur) {
  // The same FP32 datapath on the other platform: the same tokens, values within 1e-5.
  expect_same_as_unbatched(run("{kind: ebatch, slots: 4, window_steps: 3}", "configs/experiments/eesen_tpu.yaml"));
}

}  // namespace
}  // namespace ebatch
