// An experiment: hardware, energy table, network, workload, batching policy,
// simulation options and outputs, loaded from YAML with includes and
// command-line overrides, validated, and kept as a fully resolved YAML tree
// (every include inlined, every default written) for resolved.yaml.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/energy_table.h"
#include "common/enum_table.h"
#include "common/platform.h"
#include "common/policy_spec.h"
#include "common/precision.h"
#include "common/rnn_spec.h"
#include "common/workload_spec.h"

namespace ebatch {

struct DramConfig {
  std::string technology;
  double bandwidth_bytes_per_s = 0;
  double latency_s = 0;
  std::uint64_t burst_bytes = 64;
  std::uint64_t capacity_bytes = 0;
};

// hardware.spill: what a pass whose on-chip working set exceeds a memory's capacity does
// (hw/onchip.h): ignore it (the memories are unbounded, only reported), spill the excess
// through DRAM (written and read back, as plan phases with their time and DRAM energy), or
// reject the pass with an error naming the memory, the bytes and this key.
enum class SpillMode { ignore, dram, reject };
const EnumTable<SpillMode>& spill_modes();

// hardware.control: the control block (register file, FIFOs, interrupt) the host drives:
// the transaction-level model (tlm), or the SystemVerilog block verilated by Verilator behind
// an APB transactor (rtl; hw/rtl/control/, only in builds with Verilator).
enum class ControlKind { tlm, rtl };
const EnumTable<ControlKind>& control_kinds();
// Whether this build has the RTL co-simulation (configured with Verilator).
constexpr bool kHaveRtl =
#ifdef EBATCH_HAVE_RTL
    true;
#else
    false;
#endif

struct HardwareConfig {
  std::string name;
  Platform platform = nullptr;  // the registered platform (common/platform.h)
  double frequency_hz = 0;
  Precision precision = Precision::fp16;
  DramConfig dram;
  SpillMode spill = SpillMode::ignore;
  ControlKind control = ControlKind::tlm;
  ExtensionSlot platform_config;  // the platform's own keys, in its own type (e.g. EpurConfig)

  // The platform's own config, e.g. hw.config<EpurConfig>(); throws std::logic_error for another type.
  template <class T>
  const T& config() const {
    return platform_config.get<T>();
  }
  template <class T>
  T& config() {
    return platform_config.get<T>();
  }
};

enum class TunerObjective { knee, min_energy_under_latency };
const EnumTable<TunerObjective>& tuner_objectives();

struct TunerConfig {
  TunerObjective objective = TunerObjective::knee;
  double latency_target_s = 0;  // 0: no target
  std::vector<int> candidates;  // window sizes to try
};

enum class Refill { window_boundary, immediate };
const EnumTable<Refill>& refill_modes();
// How the host hands commands to the accelerator: one at a time through the command registers
// and START (mmio), or several ahead as descriptors in a DRAM ring and a doorbell (queue).
enum class CommandMode { mmio, queue };
const EnumTable<CommandMode>& command_modes();
enum class BidirectionalMode { whole_sequence };
const EnumTable<BidirectionalMode>& bidirectional_modes();

struct PolicyConfig {
  PolicyKind kind = nullptr;  // the registered policy (common/policy_spec.h)
  int slots = 1;              // batch size B
  int window_steps = 0;       // N; 0 = auto (tuner)
  int queue_depth = 0;        // sequences a slot holds back to back; 0 = auto
  Refill refill = Refill::window_boundary;
  double host_reaction_latency_s = 0;
  CommandMode command_mode = CommandMode::mmio;
  int command_queue_entries = 64;  // ring size (queue mode): commands the host may queue ahead
  double batch_timeout_s = 0;      // padded: wait at most this long to fill a batch
  BidirectionalMode bidirectional = BidirectionalMode::whole_sequence;
  TunerConfig tuner;
  ExtensionSlot options;  // a registered policy's own options, in its own type
};

struct SimulationConfig {
  bool functional = false;
  Precision precision = Precision::fp32;  // numerics in functional mode
  double quantum_s = 0;                   // temporal-decoupling quantum
  bool waveform_accurate = false;         // quantum of one accelerator cycle
  // Skip the accelerator's quantum synchronisations that no other process could observe
  // (hw/lazy_quantum_keeper.h): the same results, fewer context switches.
  bool lazy_sync = true;
  std::string weights_path;  // .npz; empty: seeded random weights
  std::string inputs_path;   // .npz; empty: seeded random inputs
  bool check_golden = true;  // compare against the golden reference
  // Injected faults (simulation.faults), by request id: reads of the request's inputs get a
  // DRAM error response (an uncorrectable memory error), or the host programs its
  // descriptor with an input address outside the DRAM (a driver fault).
  std::vector<std::int64_t> fault_dram_error, fault_bad_address;
};

enum class TraceLevel { off, control, full };
const EnumTable<TraceLevel>& trace_levels();
enum class ProgressMode { automatic, on, off };  // "auto": on when stderr is a terminal
const EnumTable<ProgressMode>& progress_modes();

struct OutputConfig {
  std::string dir;
  TraceLevel trace = TraceLevel::off;
  bool timeline = false;                    // timeline.json (Chrome/Perfetto trace events)
  double trace_from_s = 0, trace_to_s = 0;  // window kept in trace.vcd and timeline.json; to = 0: the end
  bool requests_csv = true;
  ProgressMode progress = ProgressMode::automatic;
};

struct Experiment {
  std::string name;
  std::string source_file;
  std::uint64_t seed = 1;
  HardwareConfig hardware;
  EnergyTable energy;
  NetworkSpec network;
  WorkloadSpec workload;
  PolicyConfig policy;
  SimulationConfig simulation;
  OutputConfig output;
  YAML::Node resolved;  // the merged tree with includes inlined and defaults written
};

// "dotted.key=value" from --set; value is parsed as YAML.
struct Override {
  std::string key, value;
};
Override parse_override(const std::string& text);  // throws InputError

// Loads, merges includes and overrides, validates. Throws ConfigError (an InputError).
// What a run will hold in memory, estimated before anything is allocated (docs/RELIABILITY.md):
// kRunBytesPerRequest per request (the request list, its latency record and the runtime's
// bookkeeping) and, for functional runs, three float copies of the weights (as loaded, in the
// model, in the golden reference). load_experiment refuses a run whose estimate exceeds
// kMaxRunMemoryBytes, naming workload.requests or network.hidden_size, whichever dominates.
inline constexpr double kRunBytesPerRequest = 64;
inline constexpr double kMaxRunMemoryBytes = 8.0 * 1024 * 1024 * 1024;
struct RunMemoryEstimate {
  double request_bytes = 0, weight_bytes = 0;
  double total() const { return request_bytes + weight_bytes; }
};
RunMemoryEstimate estimate_run_memory(const Experiment& e);

Experiment load_experiment(const std::string& path, const std::vector<Override>& overrides = {});
// Same, from an in-memory tree whose relative paths resolve against `base_dir`.
Experiment load_experiment_text(const std::string& yaml_text, const std::string& name_for_messages,
                                const std::vector<Override>& overrides = {});

std::string emit_resolved(const Experiment& e);  // YAML text of e.resolved
// The same header over another tree (e.g. with data-file paths made local to an output folder).
std::string emit_resolved(const Experiment& e, const YAML::Node& tree);

// A hardware config or energy table on its own (e.g. for `ebatch gemm`); keys of
// overrides are relative to the file ("array.rows").
HardwareConfig load_hardware_config(const std::string& path, const std::vector<Override>& overrides = {});
EnergyTable load_energy_table(const std::string& path, Platform platform);

}  // namespace ebatch
