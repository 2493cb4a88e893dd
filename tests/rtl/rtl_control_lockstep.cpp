// Lockstep: the same experiment with the transaction-level control block
// (hardware.control: tlm) and with the RTL one (rtl), for each policy on a small LSTM and a
// small bidirectional LSTM, in functional mode with control waveforms. Both runs must give
// the same completion order, the same interrupt edges (as many, each within the documented
// bound of bus cycles), bitwise the same outputs, and the same stats.json apart from the
// documented bus-timing fields, those within their bound (docs/ARCHITECTURE.md, "RTL
// co-simulation"). Runs the built `ebatch` binary, so it checks the command line too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::read_file;
using test::read_requests_csv;
using test::run_cli;
using test::scratch_dir;

// Rising edges of the top-level `irq` in a SystemC VCD, in seconds.
std::vector<double> irq_rising_edges(const std::string& vcd_path) {
  std::ifstream in(vcd_path);
  std::string line, id;
  double unit = 1e-12, now = 0;
  std::vector<double> edges;
  int depth = 0;
  while (std::getline(in, line)) {
    if (line.rfind("$timescale", 0) == 0) {
      std::string next;
      if (line.find("$end") == std::string::npos) std::getline(in, next);
      const std::string t = line + " " + next;
      if (t.find("ps") != std::string::npos) unit = 1e-12;
      if (t.find("fs") != std::string::npos) unit = 1e-15;
      if (t.find(" ns") != std::string::npos || t.find("1ns") != std::string::npos) unit = 1e-9;
    } else if (line.rfind("$scope", 0) == 0 || line.find(" $scope") != std::string::npos) {
      ++depth;
    } else if (line.find("$upscope") != std::string::npos) {
      --depth;
    } else if (id.empty() && line.find("$var") != std::string::npos && depth == 1) {
      std::istringstream ss(line);
      std::string var, kind, width, code, name;
      ss >> var >> kind >> width >> code >> name;
      if (name == "irq") id = code;
    } else if (!line.empty() && line[0] == '#') {
      now = std::stod(line.substr(1)) * unit;
    } else if (!id.empty() && line == "1" + id) {
      edges.push_back(now);
    }
  }
  return edges;
}

// Every number of a JSON text with the key it sits under (arrays keep their key).
std::vector<std::pair<std::string, double>> json_numbers(const std::string& text, std::string& skeleton) {
  std::vector<std::pair<std::string, double>> out;
  std::string key, last_string;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t end = text.find('"', i + 1);
      last_string = text.substr(i + 1, end - i - 1);
      skeleton += text.substr(i, end - i + 1);
      i = end + 1;
    } else if (c == ':') {
      key = last_string;
      skeleton += c;
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t n = 0;
      out.emplace_back(key, std::stod(text.substr(i), &n));
      skeleton += '#';
      i += n;
    } else {
      skeleton += c;
      ++i;
    }
  }
  return out;
}

struct Case {
  const char* policy;
  bool bidirectional;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.policy << (c.bidirectional ? " bidirectional" : " lstm"); }

std::string name_of(const testing::TestParamInfo<Case>& info) {
  return std::string(info.param.policy) + (info.param.bidirectional ? "_bidirectional" : "_lstm");
}

std::string policy_of(const std::string& kind) {
  if (kind == "none") return "policy={kind: none, slots: 1}";
  if (kind == "ebatch") return "policy={kind: ebatch, slots: 4, window_steps: 8}";
  return "policy={kind: " + kind + ", slots: 4}";
}

class RtlControlLockstep : public testing::TestWithParam<Case> {};

// The stats.json keys whose values depend on when register accesses take effect (each access's
// effect 2 control cycles later under rtl, each datapath event up to a cycle later): times and
// the figures derived from them (leakage energy, shares of the time). All others (counts,
// dynamic energy, bytes) must be equal.
const std::set<std::string> kBusTimingKeys = {"simulated_time_s",
                                              "throughput_sequences_per_s",  // times
                                              "mean",
                                              "p50",
                                              "p90",
                                              "p95",
                                              "p99",
                                              "max",
                                              "min",  // latency_s
                                              "total",
                                              "leakage",
                                              "per_sequence",  // energy_j: leakage x time
                                              "busy_fraction",
                                              "compute_utilisation"};  // shares of the time

// stats.json: the same keys, the same numbers apart from the bus-timing ones (within 1 %).
void expect_same_stats(const std::string& tlm_dir, const std::string& rtl_dir) {
  std::string tlm_skeleton, rtl_skeleton;
  const auto a = json_numbers(read_file(tlm_dir + "/stats.json"), tlm_skeleton);
  const auto b = json_numbers(read_file(rtl_dir + "/stats.json"), rtl_skeleton);
  ASSERT_EQ(tlm_skeleton, rtl_skeleton);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].second == b[i].second) continue;
    EXPECT_TRUE(kBusTimingKeys.count(a[i].first)) << "'" << a[i].first << "': " << a[i].second << " vs " << b[i].second;
    EXPECT_LE(std::abs(a[i].second - b[i].second), 0.01 * std::abs(a[i].second) + 1e-12) << a[i].first;
  }
}

// The requests by finish time.
std::vector<test::RequestRow> completion_order(const std::string& dir) {
  auto rows = read_requests_csv(dir + "/requests.csv");
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.finish < b.finish; });
  return rows;
}

TEST_P(RtlControlLockstep, SameOrderEdgesOutputsAndStats) {
  const Case c = GetParam();
  const std::string dir = scratch_dir(std::string("lockstep_") + c.policy);
  std::map<std::string, std::string> out;
  for (const char* control : {"tlm", "rtl"}) {
    out[control] = dir + "/" + control;
    const auto r = run_cli({"run",   test::repo_path("configs/experiments/default.yaml"),
                            "--out", out[control],
                            "--set", std::string("hardware.control=") + control,
                            "--set", policy_of(c.policy),
                            "--set", "workload.requests=10",
                            "--set", "workload.lengths={distribution: uniform, min: 3, max: 30}",
                            "--set", "network.layers=2",
                            "--set", "network.hidden_size=16",
                            "--set", "network.input_size=8",
                            "--set", std::string("network.bidirectional=") + (c.bidirectional ? "true" : "false"),
                            "--set", "network.output.size=5",
                            "--set", "simulation.functional=true",
                            "--set", "output.trace=control",
                            "--set", "output.progress=off"});
    ASSERT_EQ(r.exit_code, 0) << control << ": " << r.err;
  }
  const auto tlm_rows = completion_order(out["tlm"]), rtl_rows = completion_order(out["rtl"]);
  ASSERT_EQ(tlm_rows.size(), rtl_rows.size());
  const double cycle = 1.0 / 500e6;  // E-PUR's clock (configs/hw/epur.yaml)
  for (std::size_t i = 0; i < tlm_rows.size(); ++i) {
    EXPECT_EQ(tlm_rows[i].id, rtl_rows[i].id) << "completion " << i;
    EXPECT_EQ(tlm_rows[i].slot, rtl_rows[i].slot) << "request " << tlm_rows[i].id;
  }
  // Interrupt edges: as many, edge i later under rtl by at most 8 + 4 i control cycles
  // (cellular: within 1000 cycles either way, see below).
  const auto tlm_edges = irq_rising_edges(out["tlm"] + "/trace.vcd");
  const auto rtl_edges = irq_rising_edges(out["rtl"] + "/trace.vcd");
  ASSERT_EQ(tlm_edges.size(), rtl_edges.size());
  ASSERT_FALSE(tlm_edges.empty());
  const bool cellular = std::string(c.policy) == "cellular";
  double worst = 0, worst_first = 0;
  for (std::size_t i = 0; i < tlm_edges.size(); ++i) {
    const double d = rtl_edges[i] - tlm_edges[i];
    worst = std::max(worst, std::abs(d) / cycle / double(i + 1));
    if (i == 0) worst_first = d / cycle;
    if (cellular) {
      // Cellular batching's host picks each cell from the times it observes: a shift of a few
      // cycles can change a later cell's timing either way (the same cells, order and counts).
      EXPECT_LE(std::abs(d), 1000.0 * cycle) << "edge " << i;
    } else {
      EXPECT_GE(d, -1e-15) << "edge " << i;
      EXPECT_LE(d, (8.0 + 4.0 * double(i)) * cycle + 1e-15) << "edge " << i;
    }
  }
  std::printf("%zu interrupt edges; first %.2f cycles later; worst drift %.2f cycles per edge\n", tlm_edges.size(),
              worst_first, worst);
  // Waveforms: the RTL's pins in trace.vcd, grouped in trace.gtkw after the TLM control group.
  const std::string gtkw = read_file(out["rtl"] + "/trace.gtkw");
  EXPECT_CONTAINS(gtkw, "rtl control pins");
  EXPECT_CONTAINS(gtkw, "rtl_control.psel");
  EXPECT_LT(gtkw.find("SystemC.irq"), gtkw.find("rtl_control.psel"));
  EXPECT_CONTAINS(read_file(out["rtl"] + "/trace.vcd"), " pslverr ");
  // The decoder pins too (DONE_STEPS, the encoder-decoder descriptor's SOURCE and FLAGS).
  EXPECT_CONTAINS(read_file(out["rtl"] + "/trace.vcd"), " dp_done_steps ");
  EXPECT_CONTAINS(gtkw, "rtl_control.ctl_push_source_padded");
  EXPECT_CONTAINS(gtkw, "rtl_control.ctl_push_run_to_padded");
  EXPECT_EQ(read_file(out["tlm"] + "/trace.gtkw").find("rtl_control"), std::string::npos);
  // Outputs: bitwise.
  EXPECT_EQ(read_file(out["tlm"] + "/outputs.npz"), read_file(out["rtl"] + "/outputs.npz"));
  expect_same_stats(out["tlm"], out["rtl"]);
}

INSTANTIATE_TEST_SUITE_P(Policies, RtlControlLockstep,
                         testing::Values(Case{"none", false}, Case{"padded", false}, Case{"cellular", false},
                                         Case{"ebatch", false}, Case{"none", true}, Case{"padded", true},
                                         Case{"cellular", true}, Case{"ebatch", true}),
                         name_of);

// Decoders (timing only): a tiny autoregressive LSTM and a tiny encoder-decoder one, with tlm
// and rtl control, under padded batching (FLAGS RUN_TO_PADDED set), E-BATCH and no batching.
// The same completion order (id, slot) and the same DONE_STEPS of each completion (requests.csv
// `steps`, which the host reads from DONE_STEPS; some shorter than the maximum) and the same
// stats.json keys (see below for its numbers). Encoder-decoder pushes carry
// SOURCE and SOURCE_PADDED, which the RTL checks (cfg_requires_source) and hands on.
struct DecoderCase {
  const char* policy;
  bool encoder_decoder;
};

void PrintTo(const DecoderCase& c, std::ostream* os) {
  *os << c.policy << (c.encoder_decoder ? " encoder-decoder" : " decoder");
}

class RtlControlDecoderLockstep : public testing::TestWithParam<DecoderCase> {};

TEST_P(RtlControlDecoderLockstep, SameOrderAndDoneSteps) {
  const DecoderCase c = GetParam();
  const std::string network =
      c.encoder_decoder ? "network={name: tiny_encdec, cell: lstm, input_size: 8, hidden_size: 16, layers: 2, "
                          "encoder_layers: 1, autoregressive: true, output: {size: 20, activation: softmax}}"
                        : "network={name: tiny_decoder, cell: lstm, input_size: 8, hidden_size: 16, layers: 2, "
                          "autoregressive: true, output: {size: 20, activation: softmax}}";
  const std::string dir =
      scratch_dir(std::string("lockstep_decoder_") + c.policy + (c.encoder_decoder ? "_encdec" : "_dec"));
  std::map<std::string, std::string> out;
  for (const char* control : {"tlm", "rtl"}) {
    out[control] = dir + "/" + control;
    const auto r =
        run_cli({"run", test::repo_path("configs/experiments/default.yaml"), "--out", out[control], "--set",
                 std::string("hardware.control=") + control, "--set", policy_of(c.policy), "--set", network, "--set",
                 "workload.requests=12", "--set", "workload.lengths={distribution: uniform, min: 3, max: 20}", "--set",
                 "simulation.functional=false", "--set", "output.progress=off"});
    ASSERT_EQ(r.exit_code, 0) << control << ": " << r.err;
  }
  const auto tlm_rows = completion_order(out["tlm"]), rtl_rows = completion_order(out["rtl"]);
  ASSERT_EQ(tlm_rows.size(), 12u);
  ASSERT_EQ(tlm_rows.size(), rtl_rows.size());
  int shorter = 0;
  for (std::size_t i = 0; i < tlm_rows.size(); ++i) {
    EXPECT_EQ(tlm_rows[i].id, rtl_rows[i].id) << "completion " << i;
    EXPECT_EQ(tlm_rows[i].slot, rtl_rows[i].slot) << "request " << tlm_rows[i].id;
    EXPECT_EQ(tlm_rows[i].steps, rtl_rows[i].steps) << "DONE_STEPS of request " << tlm_rows[i].id;
    EXPECT_GE(rtl_rows[i].steps, 1);
    shorter += rtl_rows[i].steps < rtl_rows[i].length;
  }
  EXPECT_GT(shorter, 0) << "every sequence ran to its maximum: DONE_STEPS shows nothing";
  // stats.json: the same keys, and every number within 0.5 %: RTL accesses take effect a few
  // cycles later, which moves times by a few hundredths of a percent (measured worst 0.10 %, a
  // latency percentile's histogram bucket). Before the DRAM served transfers in time order and
  // the host waited its reaction out before reading IRQ_STATUS, the two differed by up to 5.7 %.
  std::string tlm_skeleton, rtl_skeleton;
  const auto a = json_numbers(read_file(out["tlm"] + "/stats.json"), tlm_skeleton);
  const auto b = json_numbers(read_file(out["rtl"] + "/stats.json"), rtl_skeleton);
  ASSERT_EQ(tlm_skeleton, rtl_skeleton);
  double worst = 0;
  std::string worst_key = "none";
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i].second - b[i].second) / std::max(std::abs(a[i].second), 1e-30);
    if (d > worst) worst = d, worst_key = a[i].first;
  }
  std::printf("stats.json: worst relative difference %.4f %% ('%s')\n", 100 * worst, worst_key.c_str());
  EXPECT_LT(worst, 0.005) << "tlm and rtl control disagree on '" << worst_key << "'";
}

INSTANTIATE_TEST_SUITE_P(Policies, RtlControlDecoderLockstep,
                         testing::Values(DecoderCase{"none", false}, DecoderCase{"padded", false},
                                         DecoderCase{"ebatch", false}, DecoderCase{"none", true},
                                         DecoderCase{"padded", true}, DecoderCase{"ebatch", true}),
                         [](const testing::TestParamInfo<DecoderCase>& info) {
                           return std::string(info.param.policy) +
                                  (info.param.encoder_decoder ? "_encoder_decoder" : "_decoder");
                         });

// hardware.control takes tlm or rtl; anything else is refused naming the key.
TEST(RtlControlConfig, BadValueExitsTwoNamingTheKey) {
  const std::string dir = scratch_dir("control_bad");
  const auto r = run_cli({"run", test::repo_path("configs/experiments/default.yaml"), "--out", dir + "/x", "--set",
                          "hardware.control=verilog", "--set", "workload.requests=2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "hardware.control");
  EXPECT_CONTAINS(r.err, "'verilog' is not one of tlm, rtl");
}

}  // namespace
}  // namespace ebatch
