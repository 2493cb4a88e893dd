// Tests of RnnWeights: deterministic random initialisation, .npz save/load with PyTorch
// names, and load errors (fixtures in tests/data/npy, made by make_fixtures.py).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/npy.h"
#include "common/rnn_weights.h"
#include "ebatch_version.h"

namespace ebatch {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  const char* env = std::getenv("EBATCH_ROOT");
  const fs::path root = (env && *env) ? fs::path(env) : fs::path(EBATCH_SOURCE_DIR);
  return (root / "tests" / "data" / "npy" / name).string();
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("ebatch_rnnw_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string input_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected InputError, nothing thrown";
  return {};
}

// Bidirectional 2-layer LSTM, input 3, hidden 4, output layer of 5.
NetworkSpec bilstm() {
  NetworkSpec s;
  s.name = "bilstm";
  s.cell = CellType::lstm;
  s.input_size = 3;
  s.hidden_size = 4;
  s.num_layers = 2;
  s.bidirectional = true;
  s.output.size = 5;
  return s;
}

NetworkSpec tiny_gru() {
  NetworkSpec s;
  s.name = "gru";
  s.cell = CellType::gru;
  s.input_size = 2;
  s.hidden_size = 1;
  s.num_layers = 1;
  return s;
}

void expect_equal(const RnnWeights& a, const RnnWeights& b) {
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    ASSERT_EQ(a.layers[l].size(), b.layers[l].size());
    for (std::size_t d = 0; d < a.layers[l].size(); ++d) {
      EXPECT_EQ(a.layers[l][d].w_ih, b.layers[l][d].w_ih) << l << "/" << d;
      EXPECT_EQ(a.layers[l][d].w_hh, b.layers[l][d].w_hh) << l << "/" << d;
      EXPECT_EQ(a.layers[l][d].b_ih, b.layers[l][d].b_ih) << l << "/" << d;
      EXPECT_EQ(a.layers[l][d].b_hh, b.layers[l][d].b_hh) << l << "/" << d;
    }
  }
  EXPECT_EQ(a.fc_w, b.fc_w);
  EXPECT_EQ(a.fc_b, b.fc_b);
}

TEST(RnnWeights, RandomShapesFollowSpec) {
  const RnnWeights w = RnnWeights::random(bilstm(), 1);
  ASSERT_EQ(w.layers.size(), 2u);
  for (int l = 0; l < 2; ++l) {
    ASSERT_EQ(w.layers[l].size(), 2u);
    for (const DirectionWeights& d : w.layers[l]) {
      EXPECT_EQ(d.w_ih.size(), 16u * (l == 0 ? 3 : 8));
      EXPECT_EQ(d.w_hh.size(), 16u * 4);
      EXPECT_EQ(d.b_ih.size(), 16u);
      EXPECT_EQ(d.b_hh.size(), 16u);
    }
  }
  EXPECT_EQ(w.fc_w.size(), 5u * 8);
  EXPECT_EQ(w.fc_b.size(), 5u);

  const RnnWeights g = RnnWeights::random(tiny_gru(), 1);
  ASSERT_EQ(g.layers.size(), 1u);
  ASSERT_EQ(g.layers[0].size(), 1u);
  EXPECT_EQ(g.layers[0][0].w_ih.size(), 6u);
  EXPECT_TRUE(g.fc_w.empty());
  EXPECT_TRUE(g.fc_b.empty());
}

TEST(RnnWeights, RandomIsDeterministic) {
  const RnnWeights a = RnnWeights::random(bilstm(), 42);
  const RnnWeights b = RnnWeights::random(bilstm(), 42);
  expect_equal(a, b);
  const RnnWeights c = RnnWeights::random(bilstm(), 43);
  EXPECT_NE(a.layers[0][0].w_ih, c.layers[0][0].w_ih);
  // The high 32 bits of the seed matter too.
  const RnnWeights d = RnnWeights::random(bilstm(), 42 + (std::uint64_t(1) << 32));
  EXPECT_NE(a.layers[0][0].w_ih, d.layers[0][0].w_ih);
}

// Pinned draws: a change here changes every generated model and golden file.
TEST(RnnWeights, RandomPinnedValues) {
  const RnnWeights w = RnnWeights::random(bilstm(), 42);
  const std::vector<float> first(w.layers[0][0].w_ih.begin(), w.layers[0][0].w_ih.begin() + 4);
  const std::vector<float> expect = {0.326235712f, -0.0335331261f, -0.138349354f, 0.255001843f};
  EXPECT_EQ(first, expect);
  EXPECT_EQ(w.fc_b.back(), 0.262597114f);
}

TEST(RnnWeights, RandomWithinPyTorchBounds) {
  const RnnWeights w = RnnWeights::random(bilstm(), 7);
  const float rnn = 1.0f / std::sqrt(4.0f), fc = 1.0f / std::sqrt(8.0f);
  float lo = 0, hi = 0;
  for (const auto& layer : w.layers) {
    for (const DirectionWeights& d : layer) {
      for (const auto* v : {&d.w_ih, &d.w_hh, &d.b_ih, &d.b_hh}) {
        for (float x : *v) {
          EXPECT_GE(x, -rnn);
          EXPECT_LE(x, rnn);
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        }
      }
    }
  }
  EXPECT_LT(lo, -0.4f);  // the range is actually used
  EXPECT_GT(hi, 0.4f);
  for (const auto* v : {&w.fc_w, &w.fc_b}) {
    for (float x : *v) {
      EXPECT_GE(x, -fc);
      EXPECT_LE(x, fc);
    }
  }
}

TEST(RnnWeights, InvalidSpecRejected) {
  NetworkSpec s = bilstm();
  s.hidden_size = 0;
  EXPECT_THROW(RnnWeights::random(s, 1), InputError);
}

TEST(RnnWeights, SaveLoadRoundTripWithPyTorchNames) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  const RnnWeights w = RnnWeights::random(bilstm(), 3);
  w.save_npz(path);
  expect_equal(RnnWeights::load_npz(path, bilstm()), w);

  std::set<std::string> names;
  for (const auto& [name, array] : read_npz(path)) {
    names.insert(name);
    EXPECT_EQ(array.dtype, "<f4");
  }
  std::set<std::string> expect = {"fc.weight", "fc.bias"};
  for (const char* l : {"_l0", "_l1"}) {
    for (const char* d : {"", "_reverse"}) {
      for (const char* a : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
        expect.insert(std::string(a) + l + d);
      }
    }
  }
  EXPECT_EQ(names, expect);
  EXPECT_EQ(read_npz(path).at("weight_ih_l1_reverse").shape, (std::vector<std::size_t>{16, 8}));
  EXPECT_EQ(read_npz(path).at("fc.weight").shape, (std::vector<std::size_t>{5, 8}));
  EXPECT_EQ(read_npz(path).at("fc.weight").to_float(), w.fc_w);
}

TEST(RnnWeights, LoadsNumpyFloat64) {
  const RnnWeights w = RnnWeights::load_npz(fixture("gru_f64.npz"), tiny_gru());
  const DirectionWeights& d = w.layers.at(0).at(0);
  EXPECT_EQ(d.w_ih, (std::vector<float>{0.5f, -0.25f, 1.0f, 2.0f, -1.5f, 0.125f}));
  EXPECT_EQ(d.w_hh, (std::vector<float>{0.75f, -0.5f, 0.0625f}));
  EXPECT_EQ(d.b_ih, (std::vector<float>{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(d.b_hh, (std::vector<float>{-0.1f, -0.2f, -0.3f}));
}

// Issue 14 item 5: an array the network does not use is an error (it used to be ignored).
TEST(RnnWeights, LoadRejectsAnArrayTheNetworkDoesNotUse) {
  const std::string path = fixture("gru_f64_extra.npz");
  const std::string msg = input_error([&] { RnnWeights::load_npz(path, tiny_gru()); });
  EXPECT_NE(msg.find(path + ": array 'notes' is not used by network 'gru': not one of its array names"),
            std::string::npos)
      << msg;
}

// Writes `spec`'s random weights to `path`, then loads them as `other`'s.
std::string load_as(const TempDir& dir, const NetworkSpec& spec, const NetworkSpec& other) {
  const std::string path = dir.file("w.npz");
  RnnWeights::random(spec, 5).save_npz(path);
  return input_error([&] { RnnWeights::load_npz(path, other); });
}

// The case: a 3-layer bidirectional file used to run silently as a 1-layer network.
TEST(RnnWeights, LoadRejectsMoreLayersAndASecondDirection) {
  TempDir dir;
  NetworkSpec deep = bilstm();
  deep.num_layers = 3;
  deep.output.size = 0;
  NetworkSpec one = deep;
  one.num_layers = 1;
  one.bidirectional = false;
  std::string msg = load_as(dir, deep, one);
  // Arrays are checked in name order: bias_hh_l0_reverse comes first.
  EXPECT_NE(msg.find("array 'bias_hh_l0_reverse' is not used by network 'bilstm': it is not bidirectional"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("a weights file must hold exactly the network's arrays"), std::string::npos) << msg;
  one.bidirectional = true;
  msg = load_as(dir, deep, one);
  EXPECT_NE(msg.find("array 'bias_hh_l1' is not used by network 'bilstm': it has 1 layer (l0 to l0), the array is "
                     "for layer 1"),
            std::string::npos)
      << msg;
  one.num_layers = 2;
  msg = load_as(dir, deep, one);
  EXPECT_NE(msg.find("array 'bias_hh_l2' is not used by network 'bilstm': it has 2 layers (l0 to l1)"),
            std::string::npos)
      << msg;
}

TEST(RnnWeights, LoadRejectsOutputLayerAndEmbeddingTheNetworkLacks) {
  TempDir dir;
  NetworkSpec none = bilstm();
  none.output.size = 0;
  std::string msg = load_as(dir, bilstm(), none);
  EXPECT_NE(msg.find("array 'fc.bias' is not used by network 'bilstm': it has no output layer"), std::string::npos)
      << msg;
  NetworkSpec emb = none;
  emb.embedding = {7, 3, 0, 1};
  msg = load_as(dir, emb, none);
  EXPECT_NE(msg.find("array 'embedding.weight' is not used by network 'bilstm': it has no embedding table"),
            std::string::npos)
      << msg;
  // And the other way round: missing, with the expected shape.
  msg = load_as(dir, none, emb);
  EXPECT_NE(msg.find("array 'embedding.weight' is missing (expected shape (7, 3))"), std::string::npos) << msg;
}

TEST(RnnWeights, EmbeddingDrawnLastAndRoundTrips) {
  NetworkSpec emb = bilstm();
  emb.embedding = {7, 3, 0, 1};
  const RnnWeights a = RnnWeights::random(emb, 42), b = RnnWeights::random(bilstm(), 42);
  expect_equal(a, b);  // the networks' other numbers do not change
  ASSERT_EQ(a.embedding.size(), 21u);
  EXPECT_TRUE(b.embedding.empty());
  for (float x : a.embedding) {
    EXPECT_GE(x, -1.0f);
    EXPECT_LE(x, 1.0f);
  }
  EXPECT_GT(*std::max_element(a.embedding.begin(), a.embedding.end()), 0.5f);  // U(-1, 1), not the LSTM bound
  TempDir dir;
  const std::string path = dir.file("w.npz");
  a.save_npz(path);
  EXPECT_EQ(read_npz(path).at("embedding.weight").shape, (std::vector<std::size_t>{7, 3}));
  const RnnWeights c = RnnWeights::load_npz(path, emb);
  expect_equal(c, a);
  EXPECT_EQ(c.embedding, a.embedding);
}

TEST(RnnWeights, LoadRejectsIntegerDtype) {
  const std::string path = fixture("gru_int.npz");
  const std::string msg = input_error([&] { RnnWeights::load_npz(path, tiny_gru()); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'weight_ih_l0'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dtype '<i4'"), std::string::npos) << msg;
}

// Rewrites the arrays of `w` with one removed or replaced.
std::map<std::string, FloatArray> arrays_of(const std::string& path) {
  std::map<std::string, FloatArray> out;
  for (const auto& [name, a] : read_npz(path)) out[name] = FloatArray{a.shape, a.to_float()};
  return out;
}

TEST(RnnWeights, LoadMissingArrayNamesFileAndArray) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  RnnWeights::random(bilstm(), 5).save_npz(path);
  auto arrays = arrays_of(path);
  arrays.erase("bias_hh_l1_reverse");
  write_npz(path, arrays);
  const std::string msg = input_error([&] { RnnWeights::load_npz(path, bilstm()); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'bias_hh_l1_reverse' is missing"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(16,)"), std::string::npos) << msg;
}

TEST(RnnWeights, LoadWrongShapeSaysExpectedAndFound) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  RnnWeights::random(bilstm(), 5).save_npz(path);
  auto arrays = arrays_of(path);
  arrays["weight_hh_l0"] = FloatArray{{4, 16}, std::vector<float>(64, 0.5f)};
  write_npz(path, arrays);
  const std::string msg = input_error([&] { RnnWeights::load_npz(path, bilstm()); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'weight_hh_l0' has shape (4, 16), expected (16, 4)"), std::string::npos) << msg;
}

TEST(RnnWeights, LoadWrongSpecFails) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  RnnWeights::random(bilstm(), 5).save_npz(path);
  NetworkSpec other = bilstm();
  other.hidden_size = 5;
  EXPECT_NE(input_error([&] { RnnWeights::load_npz(path, other); }).find("expected (20, 3)"), std::string::npos);
  const std::string missing = dir.file("nope.npz");
  EXPECT_NE(input_error([&] { RnnWeights::load_npz(missing, bilstm()); }).find(missing), std::string::npos);
}

TEST(RnnWeights, SaveRejectsInconsistentVectors) {
  TempDir dir;
  RnnWeights w = RnnWeights::random(bilstm(), 5);
  w.fc_b.pop_back();
  EXPECT_THROW(w.save_npz(dir.file("w.npz")), std::logic_error);
  EXPECT_FALSE(fs::exists(dir.file("w.npz")));
}

}  // namespace
}  // namespace ebatch
