// The schema of stats.json, in one place: every key with its type, unit and
// meaning (like DRAMSys's Stat). stats_json() (tb/simulation.cpp) writes the
// keys through these constants, in this order; the readers (ebatch compare,
// sweep, reproduce, the tests) look them up through the same constants;
// `ebatch run --describe-stats` prints the table (docs/STATS.md holds a copy)
// and tools/stats_keys.py is generated from it for tools/plot.py (both
// checked by the StatsSchema tests).
//
// Paths are dotted. Dynamic parts are patterns: "<i>" a list index
// (tuner.<i>.window), "<component>" / "<action>" the names of energy
// components and their actions (energy_j.components.<component>.total).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace ebatch::stat {

enum class Type { string, integer, number, boolean, object, list };
const char* to_string(Type type);

struct Stat {
  const char* path;         // dotted, with patterns
  Type type;                //
  const char* unit;         // "" for none
  const char* description;  //
  const char* when;         // "" always written; else when it is
  // The last part of the path: the key JsonWriter writes.
  std::string name() const;
};

// In the order stats_json() writes them.
inline const Stat kExperiment{"experiment", Type::string, "", "the experiment's name", ""};
inline const Stat kPlatform{"platform", Type::string, "", "the accelerator: epur or tpu", ""};
inline const Stat kPolicy{"policy", Type::string, "", "the batching policy: none, padded, cellular or ebatch", ""};
inline const Stat kNetwork{"network", Type::string, "", "the RNN's name", ""};
inline const Stat kSeed{"seed", Type::integer, "", "the seed of requests and random weights", ""};
inline const Stat kPolicyDescription{"policy_description", Type::string, "",
                                     "the policy and its parameters in words (e.g. how the window was chosen)", ""};
inline const Stat kWindowSteps{"window_steps", Type::integer, "time-steps", "E-BATCH's window N", "policy ebatch"};
inline const Stat kTuner{"tuner", Type::list, "", "the window tuner's candidates, one object each",
                         "policy ebatch with window_steps: auto"};
inline const Stat kTunerPoint{"tuner.<i>", Type::object, "", "one candidate window and its pilot run's figures",
                              "policy ebatch with window_steps: auto"};
inline const Stat kTunerWindow{"tuner.<i>.window", Type::integer, "time-steps", "a candidate window N",
                               "policy ebatch with window_steps: auto"};
inline const Stat kTunerEnergyPerSequence{"tuner.<i>.energy_per_sequence_j", Type::number, "J",
                                          "energy per sequence of the pilot run with this window",
                                          "policy ebatch with window_steps: auto"};
inline const Stat kTunerP99Latency{"tuner.<i>.p99_latency_s", Type::number, "s",
                                   "p99 latency of the pilot run with this window",
                                   "policy ebatch with window_steps: auto"};
inline const Stat kTunerMeanLatency{"tuner.<i>.mean_latency_s", Type::number, "s",
                                    "mean latency of the pilot run with this window",
                                    "policy ebatch with window_steps: auto"};
inline const Stat kTunerThroughput{"tuner.<i>.throughput_per_s", Type::number, "sequences/s",
                                   "throughput of the pilot run with this window",
                                   "policy ebatch with window_steps: auto"};
inline const Stat kComplete{"complete", Type::boolean, "",
                            "every request completed: no error, interruption or failed request", ""};
inline const Stat kError{"error", Type::string, "", "why the run failed", "the run failed"};
inline const Stat kInterruptedBy{"interrupted_by", Type::string, "",
                                 "the signal that stopped the run: SIGINT or SIGTERM", "the run was interrupted"};
inline const Stat kRequestsSubmitted{"requests_submitted", Type::integer, "", "requests in the workload", ""};
inline const Stat kRequestsCompleted{"requests_completed", Type::integer, "", "requests finished", ""};
inline const Stat kRequestsFailed{"requests_failed", Type::integer, "", "requests the accelerator dropped", ""};
inline const Stat kFailedRequests{"failed_requests", Type::list, "", "the dropped requests, one object each",
                                  "requests failed"};
inline const Stat kFailedRequest{"failed_requests.<i>", Type::object, "", "one dropped request", "requests failed"};
inline const Stat kFailedId{"failed_requests.<i>.id", Type::integer, "", "the request's id", "requests failed"};
inline const Stat kFailedSlot{"failed_requests.<i>.slot", Type::integer, "", "the slot it ran in", "requests failed"};
inline const Stat kFailedReason{"failed_requests.<i>.reason", Type::string, "", "the accelerator's error",
                                "requests failed"};
inline const Stat kFailedTime{"failed_requests.<i>.time_s", Type::number, "s", "when it failed (simulated)",
                              "requests failed"};
inline const Stat kSimulatedTime{"simulated_time_s", Type::number, "s", "simulated time to the last request", ""};
inline const Stat kThroughput{"throughput_sequences_per_s", Type::number, "sequences/s",
                              "requests completed / simulated time", ""};
inline const Stat kLatency{"latency_s", Type::object, "s", "request latency: finish - arrival", ""};
inline const Stat kLatencyMean{"latency_s.mean", Type::number, "s", "mean latency (exact)", ""};
inline const Stat kLatencyP50{"latency_s.p50", Type::number, "s", "median latency (streaming histogram)", ""};
inline const Stat kLatencyP95{"latency_s.p95", Type::number, "s", "95th percentile latency (streaming histogram)", ""};
inline const Stat kLatencyP99{"latency_s.p99", Type::number, "s", "99th percentile latency (streaming histogram)", ""};
inline const Stat kLatencyMax{"latency_s.max", Type::number, "s", "largest latency (exact)", ""};
inline const Stat kLatencyQuantileError{"latency_s.quantile_relative_error", Type::number, "",
                                        "bound on the percentiles' relative error", ""};
inline const Stat kEnergy{"energy_j", Type::object, "J", "energy of the run", ""};
inline const Stat kEnergyTotal{"energy_j.total", Type::number, "J", "dynamic + leakage", ""};
inline const Stat kEnergyDynamic{"energy_j.dynamic", Type::number, "J", "energy of the actions", ""};
inline const Stat kEnergyLeakage{"energy_j.leakage", Type::number, "J", "leakage power x simulated time", ""};
inline const Stat kEnergyPerSequence{"energy_j.per_sequence", Type::number, "J", "total / requests completed", ""};
inline const Stat kComponents{"energy_j.components", Type::object, "", "energy per hardware component", ""};
inline const Stat kComponent{"energy_j.components.<component>", Type::object, "",
                             "one component (dram, weight_buffer, ...)", ""};
inline const Stat kComponentTotal{"energy_j.components.<component>.total", Type::number, "J",
                                  "the component's dynamic + leakage", ""};
inline const Stat kComponentDynamic{"energy_j.components.<component>.dynamic", Type::number, "J",
                                    "the component's action energy", ""};
inline const Stat kComponentLeakage{"energy_j.components.<component>.leakage", Type::number, "J",
                                    "the component's leakage energy", ""};
inline const Stat kActions{"energy_j.components.<component>.actions", Type::object, "",
                           "the component's actions (read, write, mac, ...)", ""};
inline const Stat kAction{"energy_j.components.<component>.actions.<action>", Type::object, "", "one action", ""};
inline const Stat kActionCount{"energy_j.components.<component>.actions.<action>.count", Type::number, "",
                               "how many times it happened", ""};
inline const Stat kActionEnergy{"energy_j.components.<component>.actions.<action>.energy", Type::number, "J",
                                "count x energy per action", ""};
inline const Stat kDram{"dram", Type::object, "", "DRAM traffic", ""};
inline const Stat kDramBytesRead{"dram.bytes_read", Type::integer, "B", "bytes read from DRAM", ""};
inline const Stat kDramBytesWritten{"dram.bytes_written", Type::integer, "B", "bytes written to DRAM", ""};
inline const Stat kDramBytesPerSequence{"dram.bytes_per_sequence", Type::number, "B",
                                        "(read + written) / requests completed", ""};
inline const Stat kDramBusyFraction{"dram.busy_fraction", Type::number, "fraction",
                                    "share of simulated time the DRAM was transferring", ""};
inline const Stat kAccelerator{"accelerator", Type::object, "", "what the accelerator did", ""};
inline const Stat kCommands{"accelerator.commands", Type::integer, "", "commands executed", ""};
inline const Stat kLayerPasses{"accelerator.layer_passes", Type::integer, "", "layer passes computed", ""};
inline const Stat kInterrupts{"accelerator.interrupts", Type::integer, "", "interrupts raised", ""};
inline const Stat kComputeCycles{"accelerator.compute_cycles", Type::integer, "cycles", "cycles spent computing", ""};
inline const Stat kWeightLoadBytes{"accelerator.weight_load_bytes", Type::integer, "B",
                                   "weight bytes loaded from DRAM into on-chip buffers", ""};
inline const Stat kWeightStreamBytes{"accelerator.weight_stream_bytes", Type::integer, "B",
                                     "weight bytes streamed from DRAM because they do not fit on chip, over all passes",
                                     ""};
inline const Stat kMacs{"accelerator.macs", Type::number, "MACs", "multiply-accumulates computed", ""};
inline const Stat kComputeUtilisation{"accelerator.compute_utilisation", Type::number, "fraction",
                                      "busy unit-cycles / available unit-cycles", ""};
inline const Stat kOnChip{"onchip", Type::object, "", "working sets of the on-chip memories, per memory (hw/onchip.h)",
                          ""};
inline const Stat kOnChipMemory{"onchip.<memory>", Type::object, "",
                                "one memory (intermediate_memory, unified_buffer, accumulators)", ""};
inline const Stat kOnChipCapacity{"onchip.<memory>.capacity_bytes", Type::integer, "B", "the memory's capacity", ""};
inline const Stat kOnChipPeak{"onchip.<memory>.peak_bytes", Type::integer, "B",
                              "the largest working set of a layer pass (held activations included)", ""};
inline const Stat kOnChipPassesOver{"onchip.<memory>.passes_over_capacity", Type::integer, "",
                                    "layer passes whose working set exceeded the capacity", ""};
inline const Stat kOnChipSpill{"onchip.<memory>.spill_bytes", Type::integer, "B",
                               "bytes spilled to DRAM, each read back once (hardware.spill: dram; else 0)", ""};
inline const Stat kOnChipHeldPeak{"onchip.<memory>.held_peak_bytes", Type::integer, "B",
                                  "the most activations held between two passes for later passes", ""};
inline const Stat kOnChipMean{"onchip.<memory>.mean_bytes", Type::integer, "B", "the mean working set of a layer pass",
                              ""};
inline const Stat kStepSlots{"step_slots", Type::object, "", "slot-time-steps computed", ""};
inline const Stat kStepSlotsUseful{"step_slots.useful", Type::number, "", "step-slots of real time-steps", ""};
inline const Stat kStepSlotsPadding{"step_slots.padding", Type::number, "", "step-slots of padding", ""};
inline const Stat kStepSlotsComputed{"step_slots.computed", Type::number, "", "useful + padding", ""};
inline const Stat kPaddingFraction{"step_slots.padding_fraction", Type::number, "fraction", "padding / computed", ""};
inline const Stat kFunctional{"functional", Type::object, "", "the golden-model check", "simulation.functional: true"};
inline const Stat kFunctionalPrecision{"functional.precision", Type::string, "", "the datapath's precision",
                                       "simulation.functional: true"};
inline const Stat kSequencesCompared{"functional.sequences_compared", Type::integer, "",
                                     "sequences checked against the golden model", "simulation.functional: true"};
inline const Stat kMismatches{"functional.mismatches", Type::integer, "", "sequences outside the tolerance",
                              "simulation.functional: true"};
inline const Stat kMaxAbsError{"functional.max_abs_error", Type::number, "", "largest absolute output error",
                               "simulation.functional: true"};
inline const Stat kMaxRelError{"functional.max_rel_error", Type::number, "", "largest relative output error",
                               "simulation.functional: true"};
inline const Stat kFirstMismatch{"functional.first_mismatch", Type::string, "", "the first sequence that differs",
                                 "a sequence differs"};
inline const Stat kSequenceLayerSteps{"sequence_layer_steps", Type::integer, "",
                                      "sum over requests of length x layers (the work)", ""};

// The figures `ebatch compare` and `ebatch reproduce` tabulate, as one stats.json gives them.
struct Summary {
  bool complete = false;
  std::string description;                            // policy_description
  double throughput = 0, mean = 0, p50 = 0, p99 = 0;  // sequences/s; latencies in s
  double energy_per_seq = 0, padding = 0, utilisation = 0, dram_per_seq = 0, sim_time = 0;
  long long completed = 0, window = 0;  // window: 0 unless policy ebatch
};
// Reads `stats_path`; YAML::Exception if it cannot be read or lacks a key.
Summary read_summary(const std::string& stats_path);

// Every key, in writing order.
const std::vector<const Stat*>& all();
// The schema entry a concrete path ("tuner.0.window", "energy_j.components.dram.total")
// stands for; nullptr if none.
const Stat* find(const std::string& path);
// The node at a stat's path in a loaded stats.json (no patterns); an undefined node if absent.
YAML::Node at(const YAML::Node& stats, const Stat& stat);
// The table: "| key | type | unit | meaning |" (Markdown), one row per key.
std::string describe();
// tools/stats_keys.py: the keys as Python constants (generated: ebatch run --describe-stats=python).
std::string python_module();

}  // namespace ebatch::stat
