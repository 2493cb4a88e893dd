#include "tb/simulation.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <systemc>

#include "common/errors.h"
#include "common/json_writer.h"
#include "common/rnn_weights.h"
#include "common/units.h"
#include "hw/onchip.h"
#include "hw/platform_models.h"
#include "hw/tlm_checker.h"
#include "runtime/window_tuner.h"
#include "tb/observers.h"
#include "tb/stats_schema.h"
#include "tb/stimulus.h"
#include "tb/system_top.h"
#include "tb/workload.h"

namespace ebatch {
namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t stop_signal = 0;

// The observers a run's outputs and checks ask for, in the order they see each request.
std::vector<std::unique_ptr<RunObserver>> make_observers(const Experiment& e, const RunOutputs& outputs,
                                                         const RunHooks& hooks, std::size_t requests,
                                                         const RnnWeights* weights, InputSource* inputs) {
  std::vector<std::unique_ptr<RunObserver>> o;
  o.push_back(std::make_unique<LatencyRecorder>());
  if (!outputs.requests_csv.empty()) o.push_back(std::make_unique<RequestsCsvWriter>(outputs.requests_csv));
  if (e.simulation.functional && !outputs.outputs_npz.empty())
    o.push_back(std::make_unique<OutputsNpzWriter>(outputs.outputs_npz, e.network.layer_output_size()));
  if (e.simulation.functional && e.simulation.check_golden)
    o.push_back(std::make_unique<GoldenScoreboard>(e, *weights, *inputs));
  if (e.simulation.functional && e.network.output.size > 0) o.push_back(std::make_unique<OutputLayerRelease>());
  if (outputs.progress) o.push_back(std::make_unique<ProgressReporter>(requests));
  if (!outputs.vcd_base.empty() && e.output.trace != TraceLevel::off)
    o.push_back(std::make_unique<WaveformTracer>(e, outputs.vcd_base, outputs.gtkw, outputs.gtkw_vcd_name));
  if (!outputs.timeline_json.empty())
    o.push_back(std::make_unique<TimelineRecorder>(outputs.timeline_json, e.output.trace_from_s, e.output.trace_to_s));
  o.push_back(std::make_unique<FaultInjector>(e));
  if (hooks.pass_observer) o.push_back(std::make_unique<PassObserverHook>(hooks.pass_observer));
  return o;
}

// Checks that need the requests, done before the window tuner (which can take long on requests
// these checks refuse at once): the DRAM layout with the policy's slots and queue depth.
void check_before_tuning(const Experiment& e, const std::vector<Request>& requests) {
  std::int64_t longest = 0;
  for (const auto& r : requests) longest = std::max(longest, HostRuntime::buffer_steps(r));
  const auto policy = make_policy(e, 1, "");
  check_dram_capacity(e, HostRuntime::dram_layout_bytes(e, longest, policy->slots(), policy->queue_depth()));
}

// What the system measured, after the simulation.
void gather_stats(const Experiment& e, const SystemTop& top, RunStats& st) {
  st.error = top.runtime.error();
  if (TlmChecker::total_violations() > 0 && st.error.empty())
    st.error = "TLM protocol checker: " + std::to_string(TlmChecker::total_violations()) + " violations";
  if (top.runtime.interrupted()) st.interrupted = stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
  st.completed = std::int64_t(top.runtime.completed());
  st.failed = top.runtime.failed();
  st.sim_time_s = top.runtime.finish_time_s();
  st.throughput_per_s = st.sim_time_s > 0 ? double(st.completed) / st.sim_time_s : 0;
  st.energy = top.energy.report(e.energy, st.sim_time_s);
  st.energy_per_sequence_j = st.completed ? st.energy.total_j() / double(st.completed) : 0;
  st.dram_bytes_read = top.dram.bytes_read();
  st.dram_bytes_written = top.dram.bytes_written();
  st.dram_busy_fraction = st.sim_time_s > 0 ? top.dram.busy_seconds() / st.sim_time_s : 0;
  const AcceleratorStats& a = top.accelerator->stats();
  st.accelerator_syncs = top.accelerator->keeper().synced();
  st.accelerator_syncs_skipped = top.accelerator->keeper().skipped();
  st.commands = a.commands;
  st.passes = a.passes;
  st.interrupts = a.interrupts;
  st.compute_cycles = a.compute_cycles;
  st.weight_load_bytes = a.weight_load_bytes;
  st.weight_stream_bytes = a.weight_stream_bytes;
  st.macs = a.macs;
  const double cycles = st.sim_time_s * e.hardware.frequency_hz;
  st.compute_utilisation = cycles > 0 ? a.busy_unit_cycles / (a.unit_cycle_capacity_per_cycle * cycles) : 0;
  st.onchip = top.energy.onchip();
  // hardware.spill: reject: a pass that did not fit fails the run (hw/onchip.h).
  for (const auto& m : st.onchip)
    if (e.hardware.spill == SpillMode::reject && m.passes_over > 0 && st.error.empty())
      st.error =
          capacity_message(m.memory, m.peak) + " (" + std::to_string(m.passes_over) + " layer passes over capacity)";
  st.step_slots_useful = a.step_slots_useful;
  st.step_slots_padding = a.step_slots_padding;
}

}  // namespace

void request_stop(int signal_number) { stop_signal = signal_number; }

void check_run_inputs(const Experiment& e) {
  std::vector<Request> requests = generate_requests(e.workload);
  hide_output_lengths(e.workload, e.network, requests);
  check_before_tuning(e, requests);
  if (!e.simulation.functional) return;
  if (!e.simulation.weights_path.empty()) RnnWeights::load_npz(e.simulation.weights_path, e.network);
  if (!e.simulation.inputs_path.empty()) InputSource(e.network, e.simulation.inputs_path, requests);
}

RunStats run_experiment(const Experiment& e, const RunOutputs& outputs, const RunHooks& hooks) {
  const auto wall_start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  std::vector<Request> requests = generate_requests(e.workload);
  // Decoders: the host sees only the maximum; where each sequence ends goes to the accelerator alone.
  OutputLengths output_lengths = hide_output_lengths(e.workload, e.network, requests);
  RunStats st;
  st.experiment = e.name;
  st.platform = to_string(e.hardware.platform);
  st.policy = to_string(e.policy.kind);
  st.network = e.network.name;
  st.submitted = std::int64_t(requests.size());
  const int decoder_layers = e.network.num_layers - e.network.first_decoder_layer();
  for (const auto& r : requests)
    st.sequence_layer_steps +=
        e.network.autoregressive ? r.source_length * e.network.encoder_layers + output_lengths.at(r.id) * decoder_layers
                                 : r.length * e.network.num_layers;

  sc_core::sc_get_curr_simcontext()->reset();
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  // Waveform-accurate runs synchronise every accelerator cycle; the default runs ahead by a quantum.
  const double quantum_s = e.simulation.waveform_accurate ? 1.0 / e.hardware.frequency_hz : e.simulation.quantum_s;
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(quantum_s, sc_core::SC_SEC));

  // Functional pieces (weights, inputs) only when asked, and before tuning: bad files fail fast.
  std::unique_ptr<RnnWeights> weights;
  std::unique_ptr<InputSource> inputs;
  if (e.simulation.functional) {
    weights = std::make_unique<RnnWeights>(e.simulation.weights_path.empty()
                                               ? RnnWeights::random(e.network, e.seed)
                                               : RnnWeights::load_npz(e.simulation.weights_path, e.network));
    inputs = e.simulation.inputs_path.empty()
                 ? std::make_unique<InputSource>(e.network, e.seed)
                 : std::make_unique<InputSource>(e.network, e.simulation.inputs_path, requests);
    st.functional = true;
  }

  // window_steps: auto is resolved before elaboration, by the tuner on a pilot.
  int window = e.policy.window_steps;
  std::string window_reason;
  if (e.policy.kind->tunes_window && window == 0) {
    check_before_tuning(e, requests);
    const auto estimator = make_estimator(e);
    const TunerChoice choice = tune_window(e, pilot_requests(requests), *estimator, &stop_signal);
    window = choice.window;
    window_reason = choice.reason;
    st.tuner_points = choice.points;
  }
  // The runtime keeps the only copy of the requests.
  SystemTop top("top", e, std::move(requests), window, window_reason, weights.get(), inputs.get());
  if (e.network.autoregressive && !e.simulation.functional)
    top.accelerator->set_output_lengths(std::move(output_lengths));
  top.runtime.set_stop_flag(&stop_signal);
  st.policy_description = top.policy->describe();
  st.window_steps = window;

  const auto owned = make_observers(e, outputs, hooks, std::size_t(st.submitted), weights.get(), inputs.get());
  std::vector<RunObserver*> observers;
  for (const auto& o : owned) observers.push_back(o.get());
  observers.insert(observers.end(), hooks.observers.begin(), hooks.observers.end());
  for (RunObserver* o : observers) o->attach(top);
  top.runtime.set_completion_sink([&observers](const RequestRecord& rec, const std::vector<float>* out) {
    for (RunObserver* o : observers) o->on_request(rec, out);
  });

  sc_core::sc_start();

  gather_stats(e, top, st);
  for (RunObserver* o : observers) o->finish(top, st);
  st.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
  st.cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  return st;
}

std::string stats_json(const RunStats& s, const Experiment& e) {
  using namespace stat;  // the keys, their order and meaning: tb/stats_schema.h
  auto n = [](const Stat& key) { return key.name(); };
  JsonWriter j;
  j.begin_object();
  j.value(n(kExperiment), s.experiment).value(n(kPlatform), s.platform).value(n(kPolicy), s.policy);
  j.value(n(kNetwork), s.network).value(n(kSeed), static_cast<unsigned long long>(e.seed));
  j.value(n(kPolicyDescription), s.policy_description);
  if (s.window_steps > 0) j.value(n(kWindowSteps), s.window_steps);
  if (!s.tuner_points.empty()) {
    j.begin_array(n(kTuner));
    for (const auto& p : s.tuner_points)
      j.begin_object()
          .value(n(kTunerWindow), p.window)
          .value(n(kTunerEnergyPerSequence), p.energy_per_sequence_j)
          .value(n(kTunerP99Latency), p.p99_latency_s)
          .value(n(kTunerMeanLatency), p.mean_latency_s)
          .value(n(kTunerThroughput), p.throughput_per_s)
          .end_object();
    j.end_array();
  }
  j.value(n(kComplete), s.error.empty() && s.interrupted.empty() && s.failed.empty() && s.completed == s.submitted);
  if (!s.error.empty()) j.value(n(kError), s.error);
  if (!s.interrupted.empty()) j.value(n(kInterruptedBy), s.interrupted);
  j.value(n(kRequestsSubmitted), static_cast<long long>(s.submitted));
  j.value(n(kRequestsCompleted), static_cast<long long>(s.completed));
  j.value(n(kRequestsFailed), static_cast<long long>(s.failed.size()));
  if (!s.failed.empty()) {
    j.begin_array(n(kFailedRequests));
    for (const auto& f : s.failed)
      j.begin_object()
          .value(n(kFailedId), static_cast<long long>(f.id))
          .value(n(kFailedSlot), f.slot)
          .value(n(kFailedReason), f.reason)
          .value(n(kFailedTime), f.time_s)
          .end_object();
    j.end_array();
  }
  j.value(n(kSimulatedTime), s.sim_time_s);
  j.value(n(kThroughput), s.throughput_per_s);
  j.begin_object(n(kLatency))
      .value(n(kLatencyMean), s.latency_s.mean)
      .value(n(kLatencyP50), s.latency_s.p50)
      .value(n(kLatencyP95), s.latency_s.p95)
      .value(n(kLatencyP99), s.latency_s.p99)
      .value(n(kLatencyMax), s.latency_s.max)
      .value(n(kLatencyQuantileError), s.latency_s.quantile_relative_error)
      .end_object();
  j.begin_object(n(kEnergy));
  j.value(n(kEnergyTotal), s.energy.total_j())
      .value(n(kEnergyDynamic), s.energy.dynamic_j)
      .value(n(kEnergyLeakage), s.energy.leakage_j);
  j.value(n(kEnergyPerSequence), s.energy_per_sequence_j);
  j.begin_object(n(kComponents));
  for (const auto& [name, c] : s.energy.components) {
    j.begin_object(name)
        .value(n(kComponentTotal), c.total_j())
        .value(n(kComponentDynamic), c.dynamic_j)
        .value(n(kComponentLeakage), c.leakage_j);
    j.begin_object(n(kActions));
    for (const auto& [action, joules] : c.action_j)
      j.begin_object(action)
          .value(n(kActionCount), c.action_counts.at(action))
          .value(n(kActionEnergy), joules)
          .end_object();
    j.end_object().end_object();
  }
  j.end_object().end_object();
  j.begin_object(n(kDram))
      .value(n(kDramBytesRead), static_cast<unsigned long long>(s.dram_bytes_read))
      .value(n(kDramBytesWritten), static_cast<unsigned long long>(s.dram_bytes_written))
      .value(n(kDramBytesPerSequence),
             s.completed ? double(s.dram_bytes_read + s.dram_bytes_written) / double(s.completed) : 0.0)
      .value(n(kDramBusyFraction), s.dram_busy_fraction)
      .end_object();
  j.begin_object(n(kAccelerator))
      .value(n(kCommands), static_cast<unsigned long long>(s.commands))
      .value(n(kLayerPasses), static_cast<unsigned long long>(s.passes))
      .value(n(kInterrupts), static_cast<unsigned long long>(s.interrupts))
      .value(n(kComputeCycles), static_cast<unsigned long long>(s.compute_cycles))
      .value(n(kWeightLoadBytes), static_cast<unsigned long long>(s.weight_load_bytes))
      .value(n(kWeightStreamBytes), static_cast<unsigned long long>(s.weight_stream_bytes))
      .value(n(kMacs), s.macs)
      .value(n(kComputeUtilisation), s.compute_utilisation)
      .end_object();
  j.begin_object(n(kOnChip));
  for (const auto& m : s.onchip)
    j.begin_object(m.memory.name)
        .value(n(kOnChipCapacity), static_cast<unsigned long long>(m.memory.capacity))
        .value(n(kOnChipPeak), static_cast<unsigned long long>(m.peak))
        .value(n(kOnChipPassesOver), static_cast<unsigned long long>(m.passes_over))
        .value(n(kOnChipSpill), static_cast<unsigned long long>(m.spill_bytes))
        .value(n(kOnChipHeldPeak), static_cast<unsigned long long>(m.held_peak))
        .value(n(kOnChipMean), static_cast<unsigned long long>(m.mean()))
        .end_object();
  j.end_object();
  j.begin_object(n(kStepSlots))
      .value(n(kStepSlotsUseful), s.step_slots_useful)
      .value(n(kStepSlotsPadding), s.step_slots_padding)
      .value(n(kStepSlotsComputed), s.step_slots_useful + s.step_slots_padding)
      .value(n(kPaddingFraction), s.padding_fraction())
      .end_object();
  if (s.functional) {
    j.begin_object(n(kFunctional))
        .value(n(kFunctionalPrecision), to_string(e.hardware.precision))
        .value(n(kSequencesCompared), static_cast<long long>(s.compared))
        .value(n(kMismatches), static_cast<long long>(s.mismatches))
        .value(n(kMaxAbsError), s.max_abs_error)
        .value(n(kMaxRelError), s.max_rel_error);
    if (!s.first_mismatch.empty()) j.value(n(kFirstMismatch), s.first_mismatch);
    j.end_object();
  }
  j.value(n(kSequenceLayerSteps), static_cast<long long>(s.sequence_layer_steps));
  j.end_object();
  return j.str();
}

std::string wallclock_json(const RunStats& s) {
  JsonWriter j;
  j.begin_object();
  j.value("wall_clock_s", s.wall_s);
  j.value("sequence_layer_steps", static_cast<long long>(s.sequence_layer_steps));
  j.value("sequence_layer_steps_per_wall_s", s.wall_s > 0 ? double(s.sequence_layer_steps) / s.wall_s : 0.0);
  j.value("cpu_s", s.cpu_s);
  j.value("sequence_layer_steps_per_cpu_s", s.cpu_s > 0 ? double(s.sequence_layer_steps) / s.cpu_s : 0.0);
  j.value("accelerator_syncs", static_cast<long long>(s.accelerator_syncs));
  j.value("accelerator_syncs_skipped", static_cast<long long>(s.accelerator_syncs_skipped));
  j.end_object();
  return j.str();
}

std::string stats_summary(const RunStats& s) {
  char buf[2048];
  std::string energy_lines;
  for (const auto& [name, c] : s.energy.components) {
    if (c.total_j() <= 0) continue;
    char line[160];
    std::snprintf(line, sizeof line, "    %-20s %10s  (%4.1f%%)\n", name.c_str(),
                  units::format_energy(c.total_j()).c_str(),
                  100.0 * c.total_j() / std::max(1e-300, s.energy.total_j()));
    energy_lines += line;
  }
  std::snprintf(
      buf, sizeof buf,
      "%s: %s on %s, policy %s\n"
      "  policy         %s\n"
      "  requests       %lld / %lld completed\n"
      "  simulated time %s\n"
      "  throughput     %.4g sequences/s\n"
      "  latency        mean %s  p50 %s  p95 %s  p99 %s  max %s\n"
      "  energy         %s total, %s per sequence (dynamic %s, leakage %s)\n"
      "%s"
      "  DRAM           %s read, %s written (busy %.1f%%)\n"
      "  compute        %.1f%% utilisation, padding %.1f%% of step-slots\n",
      s.experiment.c_str(), s.network.c_str(), s.platform.c_str(), s.policy.c_str(), s.policy_description.c_str(),
      (long long)s.completed, (long long)s.submitted, units::format_time(s.sim_time_s).c_str(), s.throughput_per_s,
      units::format_time(s.latency_s.mean).c_str(), units::format_time(s.latency_s.p50).c_str(),
      units::format_time(s.latency_s.p95).c_str(), units::format_time(s.latency_s.p99).c_str(),
      units::format_time(s.latency_s.max).c_str(), units::format_energy(s.energy.total_j()).c_str(),
      units::format_energy(s.energy_per_sequence_j).c_str(), units::format_energy(s.energy.dynamic_j).c_str(),
      units::format_energy(s.energy.leakage_j).c_str(), energy_lines.c_str(),
      units::format_size(double(s.dram_bytes_read)).c_str(), units::format_size(double(s.dram_bytes_written)).c_str(),
      100.0 * s.dram_busy_fraction, 100.0 * s.compute_utilisation, 100.0 * s.padding_fraction());
  std::string out = buf;
  if (s.functional) {
    std::snprintf(buf, sizeof buf, "  golden check   %lld sequences, %lld mismatches, max abs error %.3g\n",
                  (long long)s.compared, (long long)s.mismatches, s.max_abs_error);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "  wall clock     %.3f s (%.3g sequence-layer-steps/s), CPU %.3f s\n", s.wall_s,
                s.wall_s > 0 ? double(s.sequence_layer_steps) / s.wall_s : 0.0, s.cpu_s);
  out += buf;
  if (!s.error.empty()) out += "  ERROR: " + s.error + "\n";
  if (!s.interrupted.empty())
    out += "  INCOMPLETE: interrupted by " + s.interrupted + "; the figures cover the requests completed so far\n";
  for (const auto& f : s.failed)
    out += "  FAILED: request " + std::to_string(f.id) + " in slot " + std::to_string(f.slot) + ": " + f.reason + "\n";
  return out;
}

}  // namespace ebatch
