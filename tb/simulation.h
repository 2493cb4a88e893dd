// One simulation of an experiment: resolves the window (tuner), elaborates the system
// (tb/system_top.h: host runtime, accelerator, DRAM, interrupt line), attaches one
// observer per output and check (tb/observers.h), runs it to the last request, and
// gathers the statistics. SystemC elaborates once per process, so call
// run_experiment() once per process.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/accelerator.h"
#include "hw/energy_counters.h"
#include "runtime/host_runtime.h"
#include "runtime/window_tuner.h"
#include "tb/run_observer.h"

namespace ebatch {

// Mean and max are exact; quantiles come from a streaming histogram (common/latency_histogram.h)
// and are within quantile_relative_error of the exact nearest-rank values.
struct LatencySummary {
  double mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
  double quantile_relative_error = 0;
};

struct RunStats {
  std::string experiment, platform, policy, network;
  std::string policy_description;  // e.g. how the window was chosen
  int window_steps = 0;            // E-BATCH's N (0 for other policies)
  std::vector<TunerPoint> tuner_points;
  std::int64_t submitted = 0, completed = 0;
  double sim_time_s = 0, wall_s = 0;
  double cpu_s = 0;  // the process's CPU time over wall_s's span (no waits for a core)
  // The accelerator's quantum synchronisations, made and skipped (simulation.lazy_sync):
  // simulator behaviour, written to wallclock.json, not stats.json.
  std::uint64_t accelerator_syncs = 0, accelerator_syncs_skipped = 0;
  double throughput_per_s = 0;
  LatencySummary latency_s;
  EnergyCounters::Report energy;
  double energy_per_sequence_j = 0;
  std::uint64_t dram_bytes_read = 0, dram_bytes_written = 0;
  double dram_busy_fraction = 0;
  std::uint64_t commands = 0, passes = 0, interrupts = 0, compute_cycles = 0;
  std::uint64_t weight_load_bytes = 0, weight_stream_bytes = 0;
  double macs = 0, compute_utilisation = 0;
  std::vector<EnergyCounters::OnChip> onchip;  // per on-chip memory: capacity, peak working set, spill
  double step_slots_useful = 0, step_slots_padding = 0;
  std::int64_t sequence_layer_steps = 0;  // sum over requests of length x layers
  // Functional runs.
  bool functional = false;
  std::int64_t compared = 0, mismatches = 0;
  double max_abs_error = 0, max_rel_error = 0;
  std::string first_mismatch;
  std::string error;                  // non-empty: the run failed
  std::string interrupted;            // the signal that stopped the run early ("SIGINT"), else empty
  std::vector<FailedRequest> failed;  // requests the accelerator dropped (injected faults)
  double padding_fraction() const {
    const double all = step_slots_useful + step_slots_padding;
    return all > 0 ? step_slots_padding / all : 0;
  }
};

struct RunOutputs {
  std::string requests_csv;   // "" = not written
  std::string outputs_npz;    // functional runs only
  std::string vcd_base;       // "" = no waveform; ".vcd" is appended
  std::string gtkw;           // GTKWave save file beside the VCD ("" = none)
  std::string gtkw_vcd_name;  // the VCD's name as the save file refers to it
  std::string timeline_json;  // Chrome/Perfetto trace events ("" = none)
  bool progress = false;      // a progress bar on stderr
};

// Observers of the model's internals for checks (not outputs).
struct RunHooks {
  Accelerator::PassObserver pass_observer;  // every layer pass the accelerator carries out
  std::vector<RunObserver*> observers;      // attached after the outputs' own, not owned
};

// Throws InputError for inputs that turn out bad while setting up (weights, inputs files).
RunStats run_experiment(const Experiment& experiment, const RunOutputs& outputs, const RunHooks& hooks = {});

// The checks a run makes before it simulates (the requests fit the DRAM layout with the
// policy's slots; a functional run's weights and inputs files load), without simulating:
// throws the InputError the run would. For commands that start several runs (compare).
void check_run_inputs(const Experiment& experiment);

// Async-signal-safe: asks the running (or next) run_experiment to stop between commands
// and return what it measured so far, marked interrupted. For SIGINT/SIGTERM handlers.
void request_stop(int signal_number);

// Everything the model computed: the same experiment and seed give the same bytes.
std::string stats_json(const RunStats& stats, const Experiment& experiment);
// What the host measured (wall clock, simulation speed): differs from run to run.
std::string wallclock_json(const RunStats& stats);
std::string stats_summary(const RunStats& stats);

}  // namespace ebatch
