// Experiment loading: includes, defaults, overrides, and every class of bad config
// (malformed YAML, unknown keys, wrong types, out-of-range and inconsistent values,
// missing files). Each error must name the file, the line where there is one, the
// key and the reason.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <regex>

#include "common/config_reader.h"
#include "common/experiment.h"
#include "common/input_file.h"
#include "hw/epur/epur_config.h"
#include "hw/tpu/tpu_config.h"
#include "tests/test_support.h"

using namespace ebatch;
using ebatch::test::repo_path;
using ebatch::test::scratch_dir;
using ebatch::test::write_file;

namespace {

std::string base_experiment() {
  return "name: t\n"
         "seed: 7\n"
         "hardware: " +
         repo_path("configs/hw/epur.yaml") +
         "\n"
         "energy: " +
         repo_path("configs/energy/epur_28nm.yaml") +
         "\n"
         "network: " +
         repo_path("models/eesen.yaml") +
         "\n"
         "workload:\n"
         "  requests: 10\n"
         "  lengths: " +
         repo_path("models/datasets/librispeech_test_clean.yaml") +
         "\n"
         "policy:\n"
         "  kind: ebatch\n"
         "  slots: 4\n";
}

// Writes `text` as an experiment file and loads it; returns the error message ("" if none).
std::string load_error(const std::string& text, const std::vector<Override>& overrides = {},
                       std::string* file_out = nullptr) {
  const std::string dir = scratch_dir("cfg");
  const std::string file = dir + "/exp.yaml";
  write_file(file, text);
  if (file_out) *file_out = file;
  try {
    load_experiment(file, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::string override_error(const std::string& key, const std::string& value) {
  return load_error(base_experiment(), {Override{key, value}});
}

}  // namespace

TEST(Config, BaseExperimentLoadsWithIncludesAndDefaults) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/exp.yaml", base_experiment());
  const Experiment e = load_experiment(dir + "/exp.yaml");
  EXPECT_EQ(e.name, "t");
  EXPECT_EQ(e.seed, 7u);
  EXPECT_EQ(e.hardware.platform, platform_named("epur"));
  EXPECT_DOUBLE_EQ(e.hardware.frequency_hz, 500e6);
  EXPECT_EQ(e.hardware.config<EpurConfig>().weight_buffer_bytes, 2u * 1048576);
  EXPECT_DOUBLE_EQ(e.hardware.dram.bandwidth_bytes_per_s, 25.6e9);
  EXPECT_EQ(e.network.hidden_size, 320);
  EXPECT_EQ(e.network.num_layers, 4);
  EXPECT_TRUE(e.network.bidirectional);
  EXPECT_EQ(e.workload.lengths.kind, LengthDistribution::Kind::empirical);
  EXPECT_DOUBLE_EQ(e.workload.lengths.steps_per_unit, 100.0);  // from the network
  EXPECT_EQ(e.workload.seed, 7u);                              // from the top-level seed
  EXPECT_EQ(e.policy.kind, policy_named("ebatch"));
  EXPECT_EQ(e.policy.window_steps, 0);  // auto
  EXPECT_EQ(e.policy.tuner.candidates.size(), 8u);
  EXPECT_DOUBLE_EQ(e.policy.host_reaction_latency_s, 1e-6);
  EXPECT_DOUBLE_EQ(e.energy.action("dpu", "mac_fp16"), 0.75e-12);
  EXPECT_DOUBLE_EQ(e.energy.leakage("weight_buffer", 2.0 * 1048576), 10e-3);
  EXPECT_EQ(e.output.dir, "results/t");
  // Defaults are written into the resolved tree.
  EXPECT_EQ(e.resolved["simulation"]["quantum"].as<std::string>(), "1 us");
  EXPECT_EQ(e.resolved["policy"]["refill"].as<std::string>(), "window_boundary");
  EXPECT_TRUE(e.resolved["hardware"].IsMap());
}

TEST(Config, EveryShippedExperimentValidates) {
  for (const auto& entry : std::filesystem::directory_iterator(repo_path("configs/experiments"))) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_experiment(entry.path().string()));
  }
}

TEST(Config, EveryShippedNetworkAndDatasetLoads) {
  for (const auto& entry : std::filesystem::directory_iterator(repo_path("models"))) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    // The TPU takes every network; the LSTM-only E-PUR checks do not apply to GRUs.
    EXPECT_EQ(load_error(base_experiment(), {{"network", entry.path().string()},
                                             {"workload.lengths", repo_path("models/datasets/imdb.yaml")},
                                             {"hardware", repo_path("configs/hw/tpu_v1.yaml")},
                                             {"energy", repo_path("configs/energy/tpu_28nm.yaml")}}),
              "");
  }
  for (const auto& entry : std::filesystem::directory_iterator(repo_path("models/datasets"))) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_EQ(load_error(base_experiment(), {{"workload.lengths", entry.path().string()}}), "");
  }
}

TEST(Config, ResolvedConfigRoundTrips) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/exp.yaml", base_experiment());
  const Experiment a = load_experiment(dir + "/exp.yaml", {{"policy.window_steps", "16"}});
  const std::string text = emit_resolved(a);
  write_file(dir + "/resolved.yaml", text);
  const Experiment b = load_experiment(dir + "/resolved.yaml");
  // Same tree once re-resolved (the header comment names a different source).
  EXPECT_EQ(emit_resolved(b).substr(emit_resolved(b).find('\n', emit_resolved(b).find('\n') + 1)),
            text.substr(text.find('\n', text.find('\n') + 1)));
  EXPECT_EQ(b.policy.window_steps, 16);
  EXPECT_EQ(b.network.hidden_size, a.network.hidden_size);
  EXPECT_EQ(b.workload.lengths.quantiles, a.workload.lengths.quantiles);
  EXPECT_DOUBLE_EQ(b.energy.action("dram", "read_byte"), a.energy.action("dram", "read_byte"));
}

TEST(Config, OverridesChangeValuesAndIncludedFiles) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/exp.yaml", base_experiment());
  const Experiment e = load_experiment(
      dir + "/exp.yaml",
      {parse_override("policy.slots=16"), parse_override("hardware.frequency=1 GHz"),
       parse_override("network.hidden_size=64"), parse_override("policy.window_steps=8"),
       parse_override("workload.lengths.distribution=fixed"), parse_override("workload.lengths.value=3"),
       parse_override("workload.lengths.quantiles=~"), parse_override("workload.lengths.mean=~")});
  EXPECT_EQ(e.policy.slots, 16);
  EXPECT_DOUBLE_EQ(e.hardware.frequency_hz, 1e9);
  EXPECT_EQ(e.network.hidden_size, 64);
  EXPECT_EQ(e.policy.window_steps, 8);
  EXPECT_EQ(e.workload.lengths.kind, LengthDistribution::Kind::fixed);
  // An include replaced from the command line resolves relative to the working directory.
  const Experiment t = load_experiment(dir + "/exp.yaml", {{"hardware", repo_path("configs/hw/tpu_v1.yaml")},
                                                           {"energy", repo_path("configs/energy/tpu_28nm.yaml")}});
  EXPECT_EQ(t.hardware.platform, platform_named("tpu"));
  EXPECT_EQ(t.hardware.config<TpuConfig>().rows, 256);
}

TEST(Config, OverrideSyntaxErrors) {
  EXPECT_THROW(parse_override("policy.slots"), InputError);
  EXPECT_THROW(parse_override("=3"), InputError);
  EXPECT_THROW(parse_override("policy..slots=3"), InputError);
  EXPECT_CONTAINS(override_error("policy.slots.x", "3"), "'policy.slots' is a single value");
  EXPECT_CONTAINS(override_error("policy.slots", "[1, 2"), "--set policy.slots=[1, 2: malformed value");
}

TEST(Config, MalformedYamlNamesFileAndLine) {
  std::string file;
  const std::string msg = load_error("name: t\npolicy:\n  kind: [ebatch\n", {}, &file);
  EXPECT_CONTAINS(msg, file + ":");
  EXPECT_CONTAINS(msg, "malformed YAML");
}

TEST(Config, DuplicateKeyIsRejected) {
  std::string file;
  const std::string msg = load_error(base_experiment() + "seed: 8\n", {}, &file);
  EXPECT_CONTAINS(msg, file + ":12: duplicate key 'seed'");
}

TEST(Config, UnknownKeyNamesFileLineAndSuggests) {
  std::string file;
  std::string text = base_experiment();
  text.replace(text.find("  slots: 4"), 10, "  sltos: 4");
  const std::string msg = load_error(text, {}, &file);
  EXPECT_CONTAINS(msg, file + ":10: key 'policy.slots': missing (required; is 'sltos' a misspelling of it?)");
  std::string optional = base_experiment() + "  refil: immediate\n";
  EXPECT_CONTAINS(load_error(optional, {}, &file),
                  file + ":12: key 'policy.refil': unknown key (did you mean 'refill'?)");
  EXPECT_CONTAINS(load_error(base_experiment() + "sed: 3\n"), "key 'sed': unknown key (did you mean 'seed'?)");
}

TEST(Config, UnknownKeyInIncludedFileNamesThatFile) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/hw.yaml",
             "platform: epur\nfrequency: 500 MHz\nweight_bufer: 2 MiB\n"
             "input_buffer: 8 KiB\nintermediate_memory: 6 MiB\n"
             "dram: {bandwidth: 25.6 GB/s}\n");
  const std::string msg = override_error("hardware", dir + "/hw.yaml");
  // The missing required key is reported before the unknown one is seen.
  EXPECT_CONTAINS(msg, dir + "/hw.yaml");
  EXPECT_CONTAINS(msg, "weight_buffer");
  write_file(dir + "/hw2.yaml",
             "platform: epur\nfrequency: 500 MHz\nweight_buffer: 2 MiB\n"
             "input_buffer: 8 KiB\nintermediate_memory: 6 MiB\nfrequncy: 3 MHz\n"
             "dram: {bandwidth: 25.6 GB/s}\n");
  EXPECT_CONTAINS(override_error("hardware", dir + "/hw2.yaml"),
                  dir + "/hw2.yaml:6: key 'hardware.frequncy': unknown key (did you mean 'frequency'?)");
}

TEST(Config, MissingRequiredKeysAndSections) {
  std::string text = base_experiment();
  text.replace(text.find("  requests: 10\n"), 15, "");
  EXPECT_CONTAINS(load_error(text), "key 'workload.requests': missing (required)");
  std::string no_policy = base_experiment();
  no_policy.erase(no_policy.find("policy:"));
  EXPECT_CONTAINS(load_error(no_policy), "key 'policy': missing (required section)");
}

TEST(Config, WrongTypes) {
  EXPECT_CONTAINS(override_error("policy.slots", "four"), "key 'policy.slots': expected a whole number, got 'four'");
  EXPECT_CONTAINS(override_error("policy.slots", "2.5"), "expected a whole number");
  EXPECT_CONTAINS(override_error("network.bidirectional", "maybe"), "expected true or false, got 'maybe'");
  EXPECT_CONTAINS(override_error("policy", "[1, 2]"), "key 'policy': expected a mapping of keys, got a list");
  EXPECT_CONTAINS(override_error("policy.slots", "{a: 1}"), "expected a single value, got a mapping");
  EXPECT_CONTAINS(override_error("hardware.frequency", "fast"), "'fast' is not a frequency");
  EXPECT_CONTAINS(override_error("hardware.frequency", "500"), "has no unit");
  EXPECT_CONTAINS(override_error("hardware.weight_buffer", "2 Mib"), "unknown unit 'Mib'");
  EXPECT_CONTAINS(override_error("policy.kind", "ebatc"),
                  "is not one of none, padded, cellular, ebatch (did you mean 'ebatch'?)");
  EXPECT_CONTAINS(override_error("network.cell", "rnn"), "'rnn' is not one of lstm, gru");
}

TEST(Config, OutOfRangeValues) {
  EXPECT_CONTAINS(override_error("policy.slots", "0"), "key 'policy.slots': 0 is out of range [1, 1048576]");
  EXPECT_CONTAINS(override_error("policy.slots", "257"),
                  "key 'policy.slots': 257 slots: the accelerator's register map addresses at most 256");
  EXPECT_CONTAINS(override_error("workload.requests", "0"), "0 is out of range");
  EXPECT_CONTAINS(override_error("network.layers", "-1"), "out of range");
  EXPECT_CONTAINS(override_error("policy.window_steps", "0"), "out of range");
  EXPECT_CONTAINS(override_error("hardware.frequency", "1 Hz"), "must be between 1 kHz and 100 GHz");
  EXPECT_CONTAINS(override_error("hardware.dram.burst", "0 B"), "must be at least 1 B");
  EXPECT_CONTAINS(override_error("simulation.quantum", "0 s"), "quantum': must be positive");
  EXPECT_CONTAINS(override_error("policy.tuner.candidates", "[4, 0]"), "window sizes must be in");
}

TEST(Config, InconsistentValues) {
  EXPECT_CONTAINS(override_error("hardware.weight_buffer", "1 KiB"),
                  "key 'hardware.weight_buffer': 1 KiB is smaller than one row of weights");
  EXPECT_CONTAINS(override_error("hardware.input_buffer", "64 B"), "cannot hold one input vector");
  EXPECT_CONTAINS(override_error("hardware.compute_units", "3"), "needs 4 compute units (one per gate)");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"policy.kind", "none"}, {"policy.slots", "4"}}),
                  "policy 'none' runs one sequence at a time");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"policy.kind", "padded"}, {"policy.window_steps", "4"}}),
                  "key 'policy.window_steps': only used by policy 'ebatch', not 'padded'");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"network.steps_per_second", "0"}}),
                  "lengths are in seconds but network 'eesen' gives no steps_per_second");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"workload.lengths", repo_path("models/datasets/imdb.yaml")},
                                                 {"workload.lengths.mean", "100"}}),
                  "must exceed the median");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"workload.lengths.quantiles", "[[0, 5], [0.5, 4], [1, 6]]"}}),
                  "values must not decrease");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"workload.lengths.quantiles", "[[0, 1], [0.5, 4]]"}}), "the last 1");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"hardware.precision", "int8"}}), "'int8' is not one of fp16, fp32");
  EXPECT_CONTAINS(override_error("workload.trace", repo_path("configs/hw/epur.yaml")),
                  "neither lengths nor arrivals use the trace");
}

// network.embedding (issue 14): parsed with its defaults, the size must be the input size.
TEST(Config, NetworkEmbedding) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/exp.yaml", base_experiment());
  const Experiment e = load_experiment(dir + "/exp.yaml", {{"network.embedding", "{vocabulary: 50, size: 120}"}});
  EXPECT_EQ(e.network.embedding.vocabulary, 50);
  EXPECT_EQ(e.network.embedding.size, 120);
  EXPECT_EQ(e.network.embedding.bos_token, 0);
  EXPECT_EQ(e.network.embedding.eos_token, 1);
  EXPECT_EQ(e.network.embedding_parameters(), 6000u);
  EXPECT_EQ(load_experiment(dir + "/exp.yaml").network.embedding.vocabulary, 0) << "absent by default";
  EXPECT_CONTAINS(override_error("network.embedding", "{vocabulary: 50, size: 64}"),
                  "key 'network.embedding.size': 64 differs from input_size 120");
  EXPECT_CONTAINS(override_error("network.embedding", "{vocabulary: 50, size: 120, eos_token: 50}"),
                  "key 'network.embedding.eos_token': 50 is out of range [0, 49]");
  EXPECT_CONTAINS(override_error("network.embedding", "{vocabulary: 1, size: 120}"),
                  "key 'network.embedding.vocabulary': 1 is out of range");
}

TEST(Config, EnergyTableMustMatchThePlatformVocabulary) {
  EXPECT_CONTAINS(override_error("energy.components.dpu.mac_fp16", "~"),
                  "key 'energy.components.dpu.mac_fp16': missing energy per action");
  EXPECT_CONTAINS(override_error("energy.components.dpu.mac_int4", "1 pJ"),
                  "key 'energy.components.dpu.mac_int4': unknown key");
  EXPECT_CONTAINS(override_error("energy.components.gpu", "{x: 1 pJ}"), "key 'energy.components.gpu': unknown key");
  EXPECT_CONTAINS(override_error("energy.components.dram.read_byte", "64 pW"), "unknown unit 'pW' for an energy");
  // An E-PUR table does not fit a TPU.
  EXPECT_CONTAINS(override_error("hardware", repo_path("configs/hw/tpu_v1.yaml")),
                  "key 'energy.components.array': missing: the tpu model needs this component");
}

TEST(Config, MissingFiles) {
  std::string file;
  EXPECT_THROW(load_experiment("/nonexistent/exp.yaml"), ConfigError);
  try {
    load_experiment("/nonexistent/exp.yaml");
  } catch (const ConfigError& e) {
    EXPECT_CONTAINS(e.what(), "/nonexistent/exp.yaml: file not found");
  }
  std::string text = base_experiment();
  text.replace(text.find("network: "), 9, "network: ./missing_dir/");
  const std::string msg = load_error(text, {}, &file);
  EXPECT_CONTAINS(msg, file + ":5: key 'network': included file");
  EXPECT_CONTAINS(msg, "not found");
  EXPECT_CONTAINS(override_error("simulation.weights", "no_such_weights.npz"),
                  "key 'simulation.weights': file 'no_such_weights.npz' not found");
  EXPECT_CONTAINS(load_error(base_experiment(), {{"workload.lengths", "{distribution: trace}"}}),
                  "key 'workload.trace': missing");
}

TEST(Config, TraceWorkloadNeedsAnExistingTrace) {
  const std::string dir = scratch_dir("cfg");
  write_file(dir + "/trace.csv", "id,arrival_s,length\n0,0,5\n");
  std::string text = base_experiment();
  text.replace(text.find("  lengths: "), std::string::npos,
               "  lengths: {distribution: trace}\n  arrivals: {process: trace}\n  trace: trace.csv\n"
               "policy: {kind: none}\n");
  text.replace(text.find("  requests: 10\n"), 15, "");
  write_file(dir + "/exp.yaml", text);
  const Experiment e = load_experiment(dir + "/exp.yaml");
  EXPECT_EQ(e.workload.trace_path, dir + "/trace.csv");  // relative to the experiment file
  EXPECT_EQ(e.workload.requests, 0);
}

TEST(Config, FaultInjectionKeys) {
  EXPECT_CONTAINS(override_error("simulation.faults", "{dram_eror: [1]}"), "key 'simulation.faults.dram_eror'");
  EXPECT_CONTAINS(override_error("simulation.faults", "{dram_error: [-1]}"), "request ids are not negative");
  EXPECT_CONTAINS(override_error("simulation.faults", "{bad_address: 4}"), "expected a list of request ids");
  const Experiment e = load_experiment_text(base_experiment(), "base.yaml",
                                            {{"simulation.faults", "{dram_error: [2, 9], bad_address: [4]}"}});
  EXPECT_EQ(e.simulation.fault_dram_error, (std::vector<std::int64_t>{2, 9}));
  EXPECT_EQ(e.simulation.fault_bad_address, (std::vector<std::int64_t>{4}));
}

// --- registries and enum tables --------------------------------------------------------

TEST(Registry, PlatformsAndPoliciesAreListedInTheirOrder) {
  EXPECT_EQ(PlatformRegistry::instance().names(), (std::vector<std::string>{"epur", "tpu"}));
  EXPECT_EQ(PolicyRegistry::instance().names(), (std::vector<std::string>{"none", "padded", "cellular", "ebatch"}));
  EXPECT_EQ(policy_names(), "none, padded, cellular, ebatch");
  EXPECT_EQ(PolicyRegistry::instance().find("fifo"), nullptr);
  EXPECT_THROW(platform_named("gpu"), std::logic_error);
  EXPECT_EQ(platform_named("epur")->register_id, 0u);  // the ID register's platform field
  EXPECT_EQ(platform_named("tpu")->register_id, 1u);
  // Every platform names the energy vocabulary its table is checked against.
  for (const PlatformSpec* p : PlatformRegistry::instance().all()) {
    EXPECT_FALSE(p->energy_vocabulary.empty()) << p->name;
    EXPECT_FALSE(p->precisions.empty()) << p->name;
    EXPECT_EQ(&energy_vocabulary(p), &p->energy_vocabulary);
  }
}

TEST(Registry, RejectsANameRegisteredTwice) {
  Registry<PolicySpec> r;
  const PolicySpec a{"x", 1, false, false, {}, nullptr, {}, false}, b{"x", 0, false, false, {}, nullptr, {}, false},
      c{"w", 1, false, false, {}, nullptr, {}, false};
  r.add(&a);
  EXPECT_THROW(r.add(&b), std::logic_error);
  r.add(&c);  // same order: by name
  EXPECT_EQ(r.names(), (std::vector<std::string>{"w", "x"}));
}

TEST(Registry, PlatformConfigIsTheRegisteredPlatformsOwnAndCopiesDeep) {
  const Experiment e = load_experiment_text(base_experiment(), "t.yaml");
  EXPECT_THROW(e.hardware.config<TpuConfig>(), std::logic_error);
  HardwareConfig copy = e.hardware;
  copy.config<EpurConfig>().compute_units = 9;
  EXPECT_EQ(e.hardware.config<EpurConfig>().compute_units, 4);
  EXPECT_EQ(copy.config<EpurConfig>().compute_units, 9);
  HardwareConfig blank;  // hand-built configs (tests) get a default-constructed one
  EXPECT_EQ(blank.config<TpuConfig>().rows, 256);
}

TEST(EnumTable, ParsesNamesAndNamesValues) {
  EXPECT_EQ(trace_levels().names(), (std::vector<std::string>{"off", "control", "full"}));
  EXPECT_EQ(trace_levels().find("control"), TraceLevel::control);
  EXPECT_FALSE(trace_levels().find("Full").has_value());
  EXPECT_STREQ(progress_modes().name(ProgressMode::automatic), "auto");
  EXPECT_STREQ(to_string(OutputActivation::softmax), "softmax");
  EXPECT_STREQ(output_activations().name(OutputActivation(42)), "?");
  EXPECT_FALSE(output_activations().contains(OutputActivation(42)));
  EXPECT_EQ(join_names({"a", "b", "c"}, "|"), "a|b|c");
}

TEST(Config, EnumValuesAreParsedOnceAtLoad) {
  const Experiment e = load_experiment_text(base_experiment(), "t.yaml",
                                            {{"output.trace", "full"},
                                             {"output.progress", "off"},
                                             {"policy.refill", "immediate"},
                                             {"policy.tuner.objective", "min_energy_under_latency"}});
  EXPECT_EQ(e.output.trace, TraceLevel::full);
  EXPECT_EQ(e.output.progress, ProgressMode::off);
  EXPECT_EQ(e.policy.refill, Refill::immediate);
  EXPECT_EQ(e.policy.tuner.objective, TunerObjective::min_energy_under_latency);
  EXPECT_EQ(e.policy.bidirectional, BidirectionalMode::whole_sequence);
  EXPECT_EQ(e.network.output.activation, OutputActivation::softmax);
  EXPECT_TRUE(e.policy.kind->tunes_window);
  EXPECT_STREQ(to_string(e.hardware.platform), "epur");
  // Errors list the table's names and suggest the nearest.
  EXPECT_CONTAINS(override_error("output.trace", "ful"),
                  "key 'output.trace': 'ful' is not one of off, control, full (did you mean 'full'?)");
  EXPECT_CONTAINS(override_error("output.progress", "yes"), "'yes' is not one of auto, on, off");
  EXPECT_CONTAINS(override_error("policy.refill", "immedate"),
                  "'immedate' is not one of window_boundary, immediate (did you mean 'immediate'?)");
  EXPECT_CONTAINS(override_error("policy.tuner.objective", "kne"),
                  "'kne' is not one of knee, min_energy_under_latency (did you mean 'knee'?)");
  EXPECT_CONTAINS(override_error("network.output.activation", "relu"), "'relu' is not one of none, softmax, sigmoid");
  EXPECT_CONTAINS(override_error("hardware.platform", "tpv"),
                  "key 'hardware.platform': 'tpv' is not one of epur, tpu (did you mean 'tpu'?)");
  EXPECT_CONTAINS(override_error("hardware.precision", "int8"), "'int8' is not one of fp16, fp32");
}

TEST(Config, KeysOfAnotherPolicyAreRejectedByTheRegistry) {
  EXPECT_CONTAINS(load_error(base_experiment(), {{"policy.kind", "cellular"}, {"policy.batch_timeout", "1 ms"}}),
                  "key 'policy.batch_timeout': only used by policy 'padded', not 'cellular' (remove it, or --set "
                  "policy.batch_timeout=~)");
  EXPECT_CONTAINS(load_error(base_experiment(),
                             {{"policy.kind", "none"}, {"policy.slots", "1"}, {"policy.tuner", "{objective: knee}"}}),
                  "key 'policy.tuner': only used by policy 'ebatch', not 'none'");
  const Experiment p =
      load_experiment_text(base_experiment(), "t.yaml", {{"policy.kind", "padded"}, {"policy.batch_timeout", "2 ms"}});
  EXPECT_EQ(p.policy.kind, policy_named("padded"));
  EXPECT_DOUBLE_EQ(p.policy.batch_timeout_s, 2e-3);
}

// Issue 17: hostile inputs are refused at once, naming the file or key and the reason.
TEST(HostileInputs, AliasBombIsRefusedBeforeATreeIsBuilt) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    bomb += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? ", " : "") + "*" + std::string(1, char(c - 1));
    bomb += "]\n";
  }
  EXPECT_CONTAINS(load_error(bomb), "aliases expand the document beyond the limit");
  // Aliases that stay small are fine.
  EXPECT_NO_THROW(parse_yaml_text("a: &a [1, 2]\nb: *a\n", "<t>"));
}

TEST(HostileInputs, NonRegularFilesAreRefused) {
  try {
    load_experiment("/dev/zero");
    ADD_FAILURE() << "/dev/zero accepted";
  } catch (const InputError& e) {
    EXPECT_CONTAINS(std::string(e.what()), "/dev/zero: is a character device, not a regular file");
  }
  EXPECT_CONTAINS(override_error("hardware", "/dev/null"), "key 'hardware': included /dev/null: is a character device");
}

TEST(HostileInputs, ValuesBeyondTheSimulatedTimeRangeAreRefused) {
  const std::vector<std::array<const char*, 3>> cases = {
      // key, value, expected part of the message
      {"policy.host_reaction_latency", "1e10 s",
       "key 'policy.host_reaction_latency': 1e+10 s is beyond the longest simulated time"},
      {"hardware.dram.latency", "1e8 s", "key 'hardware.dram.latency'"},
      {"hardware.dram.bandwidth", "1e-300 B/s", "key 'hardware.dram.bandwidth'"},
      {"hardware.dram.bandwidth", "2 B/s", "to read the weights once"},
      {"workload.arrivals", "{process: poisson, rate: 1e-300/s}", "key 'workload.arrivals.rate'"},
  };
  for (const auto& [key, value, expected] : cases) EXPECT_CONTAINS(override_error(key, value), expected);
  EXPECT_EQ(override_error("workload.arrivals", "{process: poisson, rate: 100/s}"), "");
}

TEST(HostileInputs, RunsThatExceedTheMemoryLimitAreRefusedNamingTheKey) {
  EXPECT_CONTAINS(override_error("workload.requests", "1000000000"),
                  "key 'workload.requests': the run would need about");
  const std::string msg = load_error(base_experiment(), {{"simulation.functional", "true"},
                                                         {"network.input_size", "8192"},
                                                         {"network.hidden_size", "8192"},
                                                         {"hardware.input_buffer", "1 MiB"}});
  EXPECT_CONTAINS(msg, "key 'network.hidden_size': the run would need about");
  EXPECT_CONTAINS(msg, "more than the limit of 8 GiB");
}

TEST(HostileInputs, HexadecimalNumbersAndOverlongLengthsAreRefused) {
  EXPECT_CONTAINS(override_error("hardware.input_buffer", "0x10 MiB"), "not hexadecimal");
  EXPECT_CONTAINS(override_error("hardware.frequency", "0x1p30 Hz"), "not hexadecimal");
  EXPECT_CONTAINS(override_error("workload.lengths", "{distribution: fixed, value: 1e12}"),
                  "key 'workload.lengths.value': a length of 1e+12");
}

TEST(HostileInputs, MessagesEscapeBytesATerminalWouldNotShow) {
  EXPECT_EQ(printable(std::string("k\0y", 3)), "k\\x00y");
  EXPECT_EQ(printable("k\xe9y\x01\xff"), "k\\xe9y\\x01\\xff");                   // Latin-1, a control byte, 0xff
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // valid UTF-8 stays
  EXPECT_EQ(printable("a\nb\tc\x1b[31m"), "a\\nb\\tc\\x1b[31m");
  EXPECT_EQ(printable("\xc2\x85"), "\\xc2\\x85");  // a C1 control in UTF-8
}
