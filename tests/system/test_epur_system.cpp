// The whole system (host runtime, E-PUR, DRAM, interrupt) through run_experiment.
// Each TEST elaborates once (one test per process).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "common/npy.h"
#include "tb/golden_reference.h"
#include "tb/simulation.h"
#include "tb/workload.h"
#include "tests/test_support.h"
#include "tests/unit/epur_closed_form.h"

namespace ebatch {
namespace {

namespace fs = std::filesystem;
using test::EpurClosedForm;
using test::repo_path;
using test::scratch_dir;

Experiment experiment(std::vector<Override> overrides) {
  // policy none: one sequence at a time, as E-PUR runs without batching.
  overrides.insert(overrides.begin(), Override{"policy", "{kind: none}"});
  return load_experiment(repo_path("configs/experiments/default.yaml"), overrides);
}

using CsvRow = test::RequestRow;
using test::read_requests_csv;

void expect_energy_adds_up(const RunStats& st) {
  double total = 0, dynamic = 0, leakage = 0;
  for (const auto& [name, c] : st.energy.components) {
    total += c.total_j();
    dynamic += c.dynamic_j;
    leakage += c.leakage_j;
    double actions = 0;
    for (const auto& [a, j] : c.action_j) actions += j;
    EXPECT_NEAR(actions, c.dynamic_j, 1e-12 * std::max(1.0, std::fabs(c.dynamic_j))) << name;
  }
  EXPECT_GT(st.energy.total_j(), 0);
  EXPECT_NEAR(total, st.energy.total_j(), 1e-12 * st.energy.total_j());
  EXPECT_NEAR(dynamic, st.energy.dynamic_j, 1e-12 * st.energy.total_j());
  EXPECT_NEAR(leakage, st.energy.leakage_j, 1e-12 * st.energy.total_j());
  EXPECT_NEAR(st.energy_per_sequence_j * double(st.completed), st.energy.total_j(), 1e-12 * st.energy.total_j());
}

TEST(EpurSystem, NoBatchingRunCompletesEveryRequestOnceAndAccountsForIt) {
  const int n = 20;
  const Experiment e = experiment({{"workload.requests", std::to_string(n)}});
  ASSERT_EQ(e.policy.kind, policy_named("none"));
  const std::vector<Request> requests = generate_requests(e.workload);
  ASSERT_EQ(requests.size(), std::size_t(n));
  const std::string dir = scratch_dir("epur_system");
  RunOutputs out;
  out.requests_csv = dir + "/requests.csv";
  const RunStats st = run_experiment(e, out);

  ASSERT_TRUE(st.error.empty()) << st.error;
  EXPECT_EQ(st.submitted, n);
  EXPECT_EQ(st.completed, n);
  EXPECT_FALSE(fs::exists(out.requests_csv + ".tmp"));

  // requests.csv: every request exactly once, times ordered.
  const auto rows = read_requests_csv(out.requests_csv);
  ASSERT_EQ(rows.size(), std::size_t(n));
  std::set<std::int64_t> ids;
  std::map<std::int64_t, CsvRow> by_id;
  for (const auto& r : rows) {
    EXPECT_TRUE(ids.insert(r.id).second) << "request " << r.id << " completed twice";
    by_id[r.id] = r;
    EXPECT_GE(r.start, r.arrival) << r.id;
    EXPECT_GE(r.finish, r.start) << r.id;
    EXPECT_GT(r.finish, r.arrival) << r.id;
    EXPECT_NEAR(r.latency, r.finish - r.arrival, 1e-8 * r.finish) << r.id;
    EXPECT_EQ(r.slot, 0);
  }
  std::int64_t length_sum = 0;
  for (const auto& q : requests) {
    ASSERT_EQ(by_id.count(q.id), 1u) << "request " << q.id << " missing";
    EXPECT_EQ(by_id[q.id].length, q.length);
    EXPECT_DOUBLE_EQ(by_id[q.id].arrival, q.arrival_s);
    length_sum += q.length;
  }
  // One at a time, in arrival order.
  for (std::size_t i = 1; i < requests.size(); ++i)
    EXPECT_GT(by_id[requests[i].id].finish, by_id[requests[i - 1].id].finish);
  EXPECT_NEAR(st.latency_s.max, by_id[requests.back().id].finish - requests.back().arrival_s, 1e-8 * st.latency_s.max);

  // Stats add up.
  expect_energy_adds_up(st);
  const auto& net = e.network;
  EXPECT_DOUBLE_EQ(st.step_slots_useful, double(length_sum) * net.num_layers * net.directions());
  EXPECT_DOUBLE_EQ(st.step_slots_padding, 0);
  EXPECT_EQ(st.sequence_layer_steps, length_sum * net.num_layers);
  EXPECT_EQ(st.commands, std::uint64_t(n)) << "one command per sequence";
  EXPECT_EQ(st.passes, std::uint64_t(n) * std::uint64_t(net.num_layers));
  EXPECT_EQ(st.interrupts, 2u * std::uint64_t(n)) << "SEQ_DONE and CMD_DONE per command";

  // Never faster than its compute: the closed-form cycles of every sequence, one after another.
  const EpurClosedForm f(e.hardware, net);
  std::uint64_t cycles = 0;
  for (const auto& q : requests) cycles += f.sequence_cycles(std::uint64_t(q.length));
  EXPECT_EQ(st.compute_cycles, cycles);
  EXPECT_GE(st.sim_time_s, double(cycles) / e.hardware.frequency_hz);
  EXPECT_GT(st.compute_utilisation, 0);
  EXPECT_LE(st.compute_utilisation, 1);

  // EESEN does not fit whole in the weight buffers: every sequence reloads every layer.
  ASSERT_GT(f.network_weight_bytes() / f.cus, e.hardware.config<EpurConfig>().weight_buffer_bytes);
  EXPECT_EQ(st.weight_load_bytes, std::uint64_t(n) * f.network_weight_bytes());
  EXPECT_EQ(st.weight_stream_bytes, 0u) << "every layer fits on its own";
  // DRAM reads include the weights, the inputs and the outputs the host reads back.
  const std::uint64_t io_bytes =
      std::uint64_t(length_sum) * (std::uint64_t(net.input_size) + net.layer_output_size()) * f.bytes;
  EXPECT_GE(st.dram_bytes_read, st.weight_load_bytes + io_bytes);
  EXPECT_GT(st.dram_bytes_written, 0u);
}

// A functional run of two 12-step sequences at the given precision.
RunStats functional_run(const std::string& precision, const std::string& npz) {
  const Experiment e = experiment({{"workload.requests", "2"},
                                   {"workload.lengths", "{distribution: fixed, value: 12}"},
                                   {"hardware.precision", precision},
                                   {"simulation.functional", "true"}});
  EXPECT_TRUE(e.simulation.functional);
  EXPECT_EQ(to_string(e.hardware.precision), precision);
  EXPECT_EQ(e.workload.lengths.kind, LengthDistribution::Kind::fixed);
  RunOutputs out;
  out.outputs_npz = npz;
  return run_experiment(e, out);
}

void expect_outputs_npz(const std::string& path) {
  ASSERT_TRUE(fs::exists(path));
  const auto arrays = read_npz(path);
  // Per request: the recurrent outputs, and EESEN's output layer (72-way softmax): logits and
  // probabilities (issue 14 item 4: computed in functional runs).
  ASSERT_EQ(arrays.size(), 6u);
  for (const char* id : {"0", "1"}) {
    const NpyArray& logits = arrays.at(std::string("logits_") + id);
    const NpyArray& probs = arrays.at(std::string("output_") + id);
    ASSERT_EQ(logits.shape, (std::vector<std::size_t>{12, 72})) << id;
    ASSERT_EQ(probs.shape, (std::vector<std::size_t>{12, 72})) << id;
    for (std::size_t t = 0; t < 12; ++t) {
      double sum = 0, exp_sum = 0, max = logits.data[t * 72];
      for (std::size_t k = 0; k < 72; ++k) max = std::max(max, logits.data[t * 72 + k]);
      for (std::size_t k = 0; k < 72; ++k) exp_sum += std::exp(logits.data[t * 72 + k] - max);
      for (std::size_t k = 0; k < 72; ++k) {
        sum += probs.data[t * 72 + k];
        EXPECT_NEAR(probs.data[t * 72 + k], std::exp(logits.data[t * 72 + k] - max) / exp_sum, 1e-3) << id;
      }
      EXPECT_NEAR(sum, 1.0, 1e-2) << id << " step " << t;
    }
  }
  for (const char* key : {"seq_0", "seq_1"}) {
    ASSERT_EQ(arrays.count(key), 1u) << key;
    const NpyArray& a = arrays.at(key);
    ASSERT_EQ(a.shape, (std::vector<std::size_t>{12, 640})) << key;
    double max_abs = 0;
    for (double v : a.data) {
      ASSERT_TRUE(std::isfinite(v));
      max_abs = std::max(max_abs, std::fabs(v));
    }
    EXPECT_GT(max_abs, 0) << key << " is all zeros";
    EXPECT_LE(max_abs, 1.0) << "LSTM outputs are o * tanh(c)";
  }
  EXPECT_NE(arrays.at("seq_0").data, arrays.at("seq_1").data);
}

TEST(EpurSystem, FunctionalFp32MatchesTheGoldenModel) {
  const std::string npz = scratch_dir("epur_system") + "/outputs.npz";
  const RunStats st = functional_run("fp32", npz);
  ASSERT_TRUE(st.error.empty()) << st.error;
  EXPECT_TRUE(st.functional);
  EXPECT_EQ(st.completed, 2);
  EXPECT_EQ(st.compared, 2);
  EXPECT_EQ(st.mismatches, 0) << st.first_mismatch;
  EXPECT_LE(st.max_abs_error, 1e-5);
  expect_outputs_npz(npz);
}

TEST(EpurSystem, FunctionalFp16WithinToleranceButNotExact) {
  const std::string npz = scratch_dir("epur_system") + "/outputs.npz";
  const RunStats st = functional_run("fp16", npz);
  ASSERT_TRUE(st.error.empty()) << st.error;
  EXPECT_EQ(st.compared, 2);
  EXPECT_EQ(st.mismatches, 0) << st.first_mismatch;
  const Tolerance tol = tolerance_for(Precision::fp16);
  EXPECT_LE(st.max_abs_error, tol.abs + tol.rel) << "outputs are within [-1, 1]";
  EXPECT_GT(st.max_abs_error, 1e-6) << "fp16 rounding must show (an fp32 run stays below 1e-5)";
  expect_outputs_npz(npz);
}

struct Vcd {
  std::map<std::string, std::string> id_of;  // full signal name -> identifier code
  std::map<std::string, int> width_of;
  // identifier -> value changes in order (scalar: "0"/"1"; vectors: the binary digits)
  std::map<std::string, std::vector<std::string>> changes;
};

Vcd parse_vcd(const std::string& path) {
  Vcd v;
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> scope;
  bool body = false;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string tok;
    ss >> tok;
    if (tok.empty()) continue;
    if (!body) {
      if (tok == "$scope") {
        std::string kind, name;
        ss >> kind >> name;
        scope.push_back(name);
      } else if (tok == "$upscope") {
        if (!scope.empty()) scope.pop_back();
      } else if (tok == "$var") {
        std::string type, id, name;
        int width = 0;
        ss >> type >> width >> id >> name;
        std::string full;
        for (const auto& s : scope) full += s + ".";
        full += name;
        v.id_of[full] = id;
        v.width_of[full] = width;
      } else if (tok == "$enddefinitions") {
        body = true;
      }
      continue;
    }
    if (tok[0] == '#' || tok[0] == '$') continue;
    if (tok[0] == 'b' || tok[0] == 'B') {
      std::string id;
      ss >> id;
      v.changes[id].push_back(tok.substr(1));
    } else if (tok[0] == '0' || tok[0] == '1' || tok[0] == 'x' || tok[0] == 'z') {
      v.changes[tok.substr(1)].push_back(tok.substr(0, 1));
    }
  }
  return v;
}

// The identifier of the signal whose full name ends with `suffix` (scopes may add a prefix).
std::string find_signal(const Vcd& v, const std::string& suffix) {
  std::string found;
  for (const auto& [name, id] : v.id_of) {
    if (name == suffix ||
        (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         name[name.size() - suffix.size() - 1] == '.'))
      found = id;
  }
  return found;
}

std::string names(const Vcd& v) {
  std::string s;
  for (const auto& [name, id] : v.id_of) s += name + " ";
  return s;
}

int rises(const std::vector<std::string>& values) {
  int n = 0;
  std::string prev = "x";
  for (const auto& val : values) {
    if (val == "1" && prev != "1") ++n;
    prev = val;
  }
  return n;
}

TEST(EpurSystem, WaveformPassesVcd2fstAndIrqRisesOncePerSequence) {
  const Experiment e = experiment(
      {{"workload.requests", "3"}, {"workload.lengths", "{distribution: fixed, value: 12}"}, {"output.trace", "full"}});
  const std::string dir = scratch_dir("epur_system");
  RunOutputs out;
  out.vcd_base = dir + "/trace";
  const RunStats st = run_experiment(e, out);
  ASSERT_TRUE(st.error.empty()) << st.error;
  ASSERT_EQ(st.completed, 3);
  const std::string vcd = dir + "/trace.vcd", fst = dir + "/trace.fst";
  ASSERT_TRUE(fs::exists(vcd));
  const std::string cmd = "vcd2fst '" + vcd + "' '" + fst + "' > '" + dir + "/vcd2fst.log' 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << test::read_file(dir + "/vcd2fst.log");
  EXPECT_TRUE(fs::exists(fst));
  if (fs::exists(fst)) {
    EXPECT_GT(fs::file_size(fst), 0u);
  }

  const Vcd v = parse_vcd(vcd);
  const std::string irq = find_signal(v, "irq");
  ASSERT_FALSE(irq.empty()) << names(v);
  ASSERT_FALSE(find_signal(v, "accelerator.layer").empty()) << names(v);
  for (int cu = 0; cu < e.hardware.config<EpurConfig>().compute_units; ++cu)
    EXPECT_FALSE(find_signal(v, "accelerator.cu" + std::to_string(cu) + ".busy").empty()) << cu << ": " << names(v);
  EXPECT_FALSE(find_signal(v, "runtime.slot0.request").empty()) << names(v);
  EXPECT_FALSE(find_signal(v, "dram.traffic_bytes").empty()) << names(v);

  const auto irq_changes = v.changes.count(irq) ? v.changes.at(irq) : std::vector<std::string>{};
  EXPECT_EQ(rises(irq_changes), st.completed) << "the interrupt line rises once per completed sequence";
  // The compute units are busy at least once and at most once per pass.
  const std::string cu0 = find_signal(v, "accelerator.cu0.busy");
  if (!cu0.empty() && v.changes.count(cu0)) {
    const int busy = rises(v.changes.at(cu0));
    EXPECT_GE(busy, 1);
    EXPECT_LE(busy, int(st.passes));
  }
  // Every layer shows up on the layer signal.
  const std::string layer = find_signal(v, "accelerator.layer");
  std::set<long long> layers_seen;
  if (v.changes.count(layer))
    for (const auto& bits : v.changes.at(layer)) {
      long long value = std::stoll(bits, nullptr, 2);
      if (bits.size() >= 32 && bits[0] == '1') value -= 1LL << bits.size();  // two's complement
      layers_seen.insert(value);
    }
  for (int l = 0; l < e.network.num_layers; ++l) EXPECT_EQ(layers_seen.count(l), 1u) << "layer " << l;
}

}  // namespace
}  // namespace ebatch

namespace ebatch {
namespace {

// A layer bigger than the weight buffer streams its recurrent-weight overflow every step,
// overlapped with compute. Regression: when that transfer crossed a quantum boundary the
// quantum keeper's local time reset and the overlap swallowed the compute time, so the
// simulated time fell below the compute cycles (utilisation above 100%).
TEST(EpurSystem, StreamedWeightsNeverHideComputeTime) {
  const Experiment e = load_experiment(
      repo_path("configs/experiments/nmt_encoder_epur.yaml"),
      {{"workload.requests", "40"}, {"hardware.weight_buffer", "1 MiB"}, {"policy", "{kind: cellular, slots: 16}"}});
  const RunStats st = run_experiment(e, {});
  ASSERT_EQ(st.completed, 40);
  EXPECT_GT(st.weight_stream_bytes, 0u);  // the overflow path ran
  EXPECT_GE(st.sim_time_s * e.hardware.frequency_hz, double(st.compute_cycles) * (1 - 1e-9));
  EXPECT_LE(st.compute_utilisation, 1.0);
}

}  // namespace
}  // namespace ebatch
