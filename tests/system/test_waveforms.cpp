// Waveforms and timelines of a run: the VCD passes vcd2fst and holds the signals of the
// module tree, the interrupt rises once per completed sequence, a trace window keeps only
// that window, the GTKWave save file names the signals, and the trace-event timeline
// parses with every track well nested. One run_experiment per TEST.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "tb/simulation.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

using test::read_file;
using test::repo_path;
using test::scratch_dir;

Experiment experiment(std::vector<Override> more) {
  std::vector<Override> o = {{"workload.requests", "5"},
                             {"workload.lengths", "{distribution: uniform, min: 20, max: 120}"},
                             {"policy", "{kind: ebatch, slots: 2, window_steps: 16}"},
                             {"output.trace", "full"}};
  o.insert(o.end(), more.begin(), more.end());
  return load_experiment(repo_path("configs/experiments/default.yaml"), o);
}

// VCD identifier of the variable whose full name (scopes joined by dots) is `scope_path`.
std::string vcd_id(const std::string& vcd, const std::string& scope_path) {
  std::istringstream in(vcd);
  std::string line;
  std::vector<std::string> scopes;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string w;
    words >> w;
    if (w == "$scope") {
      std::string kind, name;
      words >> kind >> name;
      scopes.push_back(name);
    } else if (w == "$upscope") {
      scopes.pop_back();
    } else if (w == "$var") {
      std::string type, width, id, name;
      words >> type >> width >> id >> name;
      std::string full;
      for (const auto& s : scopes) full += s + ".";
      if (full + name == scope_path) return id;
    }
  }
  return "";
}

int rising_edges(const std::string& vcd, const std::string& id) {
  std::istringstream in(vcd.substr(vcd.find("$enddefinitions")));
  std::string line;
  char last = '0';
  int edges = 0;
  while (std::getline(in, line)) {
    if (line.size() == 1 + id.size() && line.substr(1) == id) {
      if (line[0] == '1' && last == '0') ++edges;
      last = line[0];
    }
  }
  return edges;
}

}  // namespace

TEST(Waveforms, VcdHasTheModuleTreeAndOneInterruptPerSequence) {
  const std::string dir = scratch_dir("wave");
  RunOutputs out;
  out.vcd_base = dir + "/trace";
  out.gtkw = dir + "/trace.gtkw";
  out.gtkw_vcd_name = "trace.vcd";
  const RunStats st = run_experiment(experiment({}), out);
  ASSERT_EQ(st.completed, 5);
  const std::string vcd = read_file(dir + "/trace.vcd");
  for (const char* name :
       {"SystemC.irq", "SystemC.accelerator.window", "SystemC.accelerator.layer", "SystemC.accelerator.pass_steps",
        "SystemC.accelerator.slot0.request", "SystemC.accelerator.slot1.remaining", "SystemC.runtime.slot0.request",
        "SystemC.runtime.waiting", "SystemC.accelerator.cu0.busy", "SystemC.accelerator.cu3.busy",
        "SystemC.accelerator.weight_buffer.bytes", "SystemC.dram.busy", "SystemC.dram.traffic_bytes"})
    EXPECT_NE(vcd_id(vcd, name), "") << name;
  // One rising edge per completed sequence, plus those of windows ending without one (CMD_DONE).
  EXPECT_GE(rising_edges(vcd, vcd_id(vcd, "SystemC.irq")), int(st.completed));
  EXPECT_GT(rising_edges(vcd, vcd_id(vcd, "SystemC.dram.busy")), 0);
  EXPECT_EQ(std::system(("vcd2fst " + dir + "/trace.vcd " + dir + "/trace.fst > /dev/null 2>&1").c_str()), 0);
  const std::string gtkw = read_file(dir + "/trace.gtkw");
  // GTKWave opens [dumpfile] relative to its current folder, else relative to [savefile]:
  // both absolute, so `gtkwave DIR/trace.gtkw` works from anywhere.
  const std::string abs_dir = std::filesystem::absolute(dir).lexically_normal().string();
  EXPECT_NE(gtkw.find("[dumpfile] \"" + abs_dir + "/trace.vcd\""), std::string::npos) << gtkw;
  EXPECT_NE(gtkw.find("[savefile] \"" + abs_dir + "/trace.gtkw\""), std::string::npos) << gtkw;
  EXPECT_NE(gtkw.find("SystemC.irq"), std::string::npos);
  EXPECT_NE(gtkw.find("SystemC.accelerator.cu0.busy"), std::string::npos);
  // The view: control (with the interrupt count, visible at full zoom), then compute and
  // memory, then the groups that grow with the slots, whose empty slots are explained.
  const auto at = [&gtkw](const std::string& text) { return gtkw.find(text); };
  EXPECT_NE(at("SystemC.irq_count"), std::string::npos);
  EXPECT_LT(at("-control"), at("-compute"));
  EXPECT_LT(at("-compute"), at("-memory"));
  EXPECT_LT(at("-memory"), at("-host runtime"));
  EXPECT_LT(at("-host runtime"), at("-accelerator slots"));
  EXPECT_NE(at("-request -1: slot empty"), std::string::npos);
  // Every kernel time is a whole number of VCD units (1 ps), which SystemC's W713 warnings were about.
  EXPECT_NE(vcd.find("$timescale\n     1 ps\n$end"), std::string::npos);
}

// The last value of a vector variable of the VCD (-1 if it never changes).
long long last_value(const std::string& vcd, const std::string& id) {
  std::istringstream in(vcd.substr(vcd.find("$enddefinitions")));
  std::string line, last;
  while (std::getline(in, line))
    if (line.size() > id.size() + 1 && line[0] == 'b' && line.substr(line.size() - id.size() - 1) == " " + id)
      last = line.substr(1, line.size() - id.size() - 2);
  return last.empty() ? -1 : std::stoll(last, nullptr, 2);
}

TEST(Waveforms, InterruptCountCountsEveryRisingEdge) {
  for (const char* policy : {"{kind: none}", "{kind: ebatch, slots: 2, window_steps: 16}"}) {
    const std::string dir = scratch_dir("wave");
    RunOutputs out;
    out.vcd_base = dir + "/trace";
    const RunStats st = run_experiment(experiment({{"policy", policy}, {"output.trace", "control"}}), out);
    const std::string vcd = read_file(dir + "/trace.vcd");
    const std::string id = vcd_id(vcd, "SystemC.irq_count");
    ASSERT_NE(id, "") << policy;
    const long long count = last_value(vcd, id);
    const int edges = rising_edges(vcd, vcd_id(vcd, "SystemC.irq"));
    if (std::string(policy) == "{kind: none}") {  // one interrupt per sequence, each seen in the VCD
      EXPECT_EQ(count, st.completed);
      EXPECT_EQ(count, edges);
    } else {  // also one per window; edges inside one time step are counted, not drawn
      EXPECT_GE(count, st.completed);
      EXPECT_GE(count, edges);
    }
  }
}

TEST(Waveforms, NoneInterruptRisesOncePerSequence) {
  // With one sequence per command, SEQ_DONE and CMD_DONE are served by the same interrupt.
  const std::string dir = scratch_dir("wave");
  RunOutputs out;
  out.vcd_base = dir + "/trace";
  const RunStats st = run_experiment(experiment({{"policy", "{kind: none}"}}), out);
  const std::string vcd = read_file(dir + "/trace.vcd");
  EXPECT_EQ(rising_edges(vcd, vcd_id(vcd, "SystemC.irq")), int(st.completed));
}

TEST(Waveforms, TraceWindowKeepsOnlyTheWindow) {
  const std::string dir = scratch_dir("wave");
  RunOutputs out;
  out.vcd_base = dir + "/trace";
  out.timeline_json = dir + "/timeline.json";
  const RunStats st = run_experiment(
      experiment({{"output.trace_from", "10 ms"}, {"output.trace_to", "20 ms"}, {"output.timeline", "true"}}), out);
  ASSERT_GT(st.sim_time_s, 0.02);
  const std::string vcd = read_file(dir + "/trace.vcd");
  std::istringstream in(vcd.substr(vcd.find("$enddefinitions")));
  std::string line;
  std::vector<long long> times;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '#') times.push_back(std::stoll(line.substr(1)));
  ASSERT_FALSE(times.empty());
  EXPECT_EQ(times.front(), 10'000'000'000);  // picoseconds
  EXPECT_LE(times.back(), 20'000'000'000);
  EXPECT_EQ(std::system(("vcd2fst " + dir + "/trace.vcd " + dir + "/trace.fst > /dev/null 2>&1").c_str()), 0);
  const YAML::Node t = YAML::LoadFile(dir + "/timeline.json");
  for (const auto& ev : t["traceEvents"]) {
    if (ev["ph"].as<std::string>() != "X") continue;
    const double ts = ev["ts"].as<double>(), dur = ev["dur"].as<double>();
    EXPECT_GE(ts + dur, 10'000.0 - 1e-6);
    EXPECT_LE(ts, 20'000.0 + 1e-6);
  }
}

TEST(Waveforms, TimelineParsesAndEveryTrackIsWellNested) {
  const std::string dir = scratch_dir("wave");
  RunOutputs out;
  out.timeline_json = dir + "/timeline.json";
  const RunStats st = run_experiment(experiment({{"output.trace", "off"}, {"output.timeline", "true"}}), out);
  const YAML::Node t = YAML::LoadFile(dir + "/timeline.json");
  ASSERT_TRUE(t["traceEvents"].IsSequence());
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> tracks;
  std::map<std::pair<int, int>, std::string> names;
  int lifetimes = 0, interrupts = 0;
  for (const auto& ev : t["traceEvents"]) {
    const std::string ph = ev["ph"].as<std::string>();
    const auto key = std::make_pair(ev["pid"].as<int>(), ev["tid"] ? ev["tid"].as<int>() : 0);
    if (ph == "M" && ev["name"].as<std::string>() == "thread_name") names[key] = ev["args"]["name"].as<std::string>();
    if (ph == "i") {
      ++interrupts;
      EXPECT_TRUE(ev["args"]["slot"].IsDefined());
      EXPECT_TRUE(ev["args"]["request"].IsDefined());
    }
    if (ph != "X") continue;
    const double ts = ev["ts"].as<double>(), dur = ev["dur"].as<double>();
    EXPECT_GE(dur, 0.0);
    tracks[key].emplace_back(ts, ts + dur);
    if (ev["name"].as<std::string>().rfind("request ", 0) == 0) ++lifetimes;
  }
  EXPECT_EQ(lifetimes, int(st.completed));
  EXPECT_EQ(interrupts, int(st.completed));
  std::vector<std::string> track_names;
  track_names.reserve(names.size());
  for (const auto& [key, name] : names) track_names.push_back(name);
  for (const char* want : {"layer passes", "weight loads", "channel", "interrupts", "lane 000"})
    EXPECT_NE(std::find(track_names.begin(), track_names.end(), want), track_names.end()) << want;
  for (auto& [key, spans] : tracks) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i)
      EXPECT_GE(spans[i].first, spans[i - 1].second - 1e-6) << "track " << names[key] << " overlaps";
  }
}

}  // namespace ebatch
