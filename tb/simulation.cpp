#include "tb/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <systemc>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/latency_histogram.h"
#include "common/rnn_weights.h"
#include "common/units.h"
#include "hw/contract/tlm_bus.h"
#include "hw/dram.h"
#include "hw/functional_engine.h"
#include "hw/platform_models.h"
#include "hw/timeline.h"
#include "hw/tlm_checker.h"
#include "runtime/host_runtime.h"
#include "runtime/policy.h"
#include "runtime/window_tuner.h"
#include "tb/golden_reference.h"
#include "tb/npz_stream.h"
#include "tb/stats_schema.h"
#include "tb/stimulus.h"
#include "tb/wave_probes.h"
#include "tb/waveform_files.h"
#include "tb/workload.h"

namespace ebatch {
namespace {

using Clock = std::chrono::steady_clock;

// The system: runtime, accelerator, DRAM and the interrupt line between them.
struct SystemTop : sc_core::sc_module {
  EnergyCounters energy;
  std::unique_ptr<BatchingPolicy> policy;
  Dram dram;
  std::unique_ptr<Accelerator> accelerator;
  TlmHostBus host_bus;  // the runtime's register and memory buses over TLM
  HostRuntime runtime;
  sc_core::sc_signal<bool> irq;
#ifdef EBATCH_CHECKS
  // Test builds: a protocol checker between every initiator and target.
  TlmChecker reg_check{"reg_check"}, host_mem_check{"host_mem_check"}, accelerator_mem_check{"accelerator_mem_check"};
#endif

  SystemTop(sc_core::sc_module_name name, const Experiment& e, std::vector<Request> requests, int window,
            const std::string& window_reason)
      : sc_module(name),
        policy(make_policy(e, window, window_reason)),
        dram("dram", e.hardware.dram, energy, false),
        accelerator(make_accelerator("accelerator", e, energy, policy->slots(), policy->queue_depth())),
        host_bus("host_bus"),
        runtime("runtime", e, std::move(requests), *policy, host_bus, host_bus),
        irq("irq") {
#ifdef EBATCH_CHECKS
    host_bus.reg_socket.bind(reg_check.target);
    reg_check.initiator.bind(accelerator->regs);
    host_bus.mem_socket.bind(host_mem_check.target);
    host_mem_check.initiator.bind(dram.socket);
    accelerator->mem.bind(accelerator_mem_check.target);
    accelerator_mem_check.initiator.bind(dram.socket);
#else
    host_bus.reg_socket.bind(accelerator->regs);
    host_bus.mem_socket.bind(dram.socket);
    accelerator->mem.bind(dram.socket);
#endif
    accelerator->irq.bind(irq);
    runtime.irq.bind(irq);
    if (runtime.dram_bytes_needed() > e.hardware.dram.capacity_bytes)
      throw InputError(e.source_file +
                       ": key 'hardware.dram.capacity': " + units::format_size(double(e.hardware.dram.capacity_bytes)) +
                       " cannot hold the weights and the slot buffers (" +
                       units::format_size(double(runtime.dram_bytes_needed())) + ")");
  }
};

LatencySummary summarize_latency(const LatencyHistogram& h) {
  LatencySummary s;
  s.mean = h.mean();
  s.p50 = h.quantile(0.50);
  s.p95 = h.quantile(0.95);
  s.p99 = h.quantile(0.99);
  s.max = h.max();
  s.quantile_relative_error = h.relative_accuracy();
  return s;
}

class ProgressBar {
 public:
  ProgressBar(bool on, std::size_t total) : on_(on), total_(total), start_(Clock::now()), last_(start_) {}
  void update(std::size_t done, double sim_s, bool final = false) {
    if (!on_) return;
    const auto now = Clock::now();
    if (!final && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double wall = std::chrono::duration<double>(now - start_).count();
    const int width = 30, filled = total_ ? int(double(width) * double(done) / double(total_)) : width;
    const double eta = done ? wall * double(total_ - done) / double(done) : 0;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu requests  sim %s  wall %.1f s  eta %.0f s ",
                 std::string(std::size_t(filled), '#').c_str(), std::string(std::size_t(width - filled), ' ').c_str(),
                 done, total_, units::format_time(sim_s).c_str(), wall, eta);
    if (final) std::fprintf(stderr, "\n");
  }

 private:
  bool on_;
  std::size_t total_;
  Clock::time_point start_, last_;
};

}  // namespace

namespace {
volatile std::sig_atomic_t stop_signal = 0;
}  // namespace

void request_stop(int signal_number) { stop_signal = signal_number; }

RunStats run_experiment(const Experiment& e, const RunOutputs& outputs, const RunHooks& hooks) {
  const auto wall_start = Clock::now();
  std::vector<Request> requests = generate_requests(e.workload);
  RunStats st;
  st.experiment = e.name;
  st.platform = to_string(e.hardware.platform);
  st.policy = to_string(e.policy.kind);
  st.network = e.network.name;
  st.submitted = std::int64_t(requests.size());
  for (const auto& r : requests) st.sequence_layer_steps += r.length * e.network.num_layers;

  sc_core::sc_get_curr_simcontext()->reset();
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  // Waveform-accurate runs synchronise every accelerator cycle; the default runs ahead by a quantum.
  const double quantum_s = e.simulation.waveform_accurate ? 1.0 / e.hardware.frequency_hz : e.simulation.quantum_s;
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(quantum_s, sc_core::SC_SEC));

  // Functional pieces (weights, inputs, golden reference) only when asked.
  std::unique_ptr<RnnWeights> weights;
  std::unique_ptr<InputSource> inputs;
  if (e.simulation.functional) {
    weights = std::make_unique<RnnWeights>(e.simulation.weights_path.empty()
                                               ? RnnWeights::random(e.network, e.seed)
                                               : RnnWeights::load_npz(e.simulation.weights_path, e.network));
    inputs = e.simulation.inputs_path.empty()
                 ? std::make_unique<InputSource>(e.network, e.seed)
                 : std::make_unique<InputSource>(e.network, e.simulation.inputs_path, requests);
  }

  // window_steps: auto is resolved before elaboration, by the tuner on a pilot.
  int window = e.policy.window_steps;
  std::string window_reason;
  if (e.policy.kind->tunes_window && window == 0) {
    const auto estimator = make_estimator(e);
    const TunerChoice choice = tune_window(e, pilot_requests(requests), *estimator);
    window = choice.window;
    window_reason = choice.reason;
    st.tuner_points = choice.points;
  }
  SystemTop top("top", e, std::move(requests), window, window_reason);  // the runtime keeps the only copy
  top.runtime.set_stop_flag(&stop_signal);
  // Injected faults (simulation.faults): corrupt descriptors, and poisoned input buffers.
  top.runtime.set_bad_address_requests(e.simulation.fault_bad_address);
  if (!e.simulation.fault_dram_error.empty()) {
    const std::uint64_t bytes_per_step =
        std::uint64_t(e.network.input_size) * std::uint64_t(bytes_per_value(e.hardware.precision));
    top.runtime.set_placement_observer([&top, &e, bytes_per_step](const RequestRecord& rec) {
      const auto& ids = e.simulation.fault_dram_error;
      if (std::find(ids.begin(), ids.end(), rec.request.id) != ids.end())
        top.dram.poison(rec.input_address, std::uint64_t(rec.padded_length) * bytes_per_step);
    });
  }
  if (hooks.pass_observer) top.accelerator->set_pass_observer(hooks.pass_observer);
  st.policy_description = top.policy->describe();
  st.window_steps = window;
  std::unique_ptr<FunctionalEngine> functional;
  if (e.simulation.functional) {
    functional = std::make_unique<FunctionalEngine>(
        *weights, e.hardware.precision, top.policy->slots(),
        [&top](std::uint64_t a, void* d, std::uint64_t n) { top.dram.debug_read(a, d, n); },
        [&top](std::uint64_t a, const void* d, std::uint64_t n) { top.dram.debug_write(a, d, n); });
    top.accelerator->set_functional(functional.get());
    top.runtime.set_functional([&inputs](const Request& r, std::vector<float>& rows) { inputs->inputs(r, rows); });
    st.functional = true;
  }

  // Per-request rows and outputs are streamed to disk as requests finish.
  std::unique_ptr<AtomicFile> csv;
  if (!outputs.requests_csv.empty()) {
    csv = std::make_unique<AtomicFile>(outputs.requests_csv);
    csv->write("id,length,arrival_s,start_s,finish_s,latency_s,slot\n");
  }
  std::unique_ptr<NpzStreamWriter> npz;
  if (e.simulation.functional && !outputs.outputs_npz.empty())
    npz = std::make_unique<NpzStreamWriter>(outputs.outputs_npz);
  const Tolerance tolerance = e.simulation.functional ? tolerance_for(e.hardware.precision) : Tolerance{0, 0};
  LatencyHistogram latencies;  // constant memory, whatever the number of requests
  ProgressBar progress(outputs.progress, std::size_t(st.submitted));
  const int out_width = e.network.layer_output_size();
  top.runtime.set_completion_sink([&](const RequestRecord& rec, const std::vector<float>* out) {
    latencies.add(rec.finish_s - rec.request.arrival_s);
    if (csv) {
      char line[256];
      const int n = std::snprintf(line, sizeof line, "%lld,%lld,%.9g,%.9g,%.9g,%.9g,%d\n", (long long)rec.request.id,
                                  (long long)rec.request.length, rec.request.arrival_s, rec.start_s, rec.finish_s,
                                  rec.finish_s - rec.request.arrival_s, rec.slot);
      csv->write(line, std::min(sizeof line - 1, std::size_t(n)));
    }
    if (out) {
      if (npz)
        npz->add("seq_" + std::to_string(rec.request.id), out->data(), std::size_t(rec.request.length),
                 std::size_t(out_width));
      if (e.simulation.check_golden) {
        std::vector<float> in;
        inputs->inputs(rec.request, in);
        GoldenSequence gin(std::size_t(rec.request.length), std::vector<double>(std::size_t(e.network.input_size)));
        for (std::size_t t = 0; t < gin.size(); ++t)
          for (std::size_t i = 0; i < gin[t].size(); ++i) gin[t][i] = in[t * gin[t].size() + i];
        const GoldenSequence ref = golden_run_sequence(*weights, gin);
        std::vector<double> ref_flat, act(out->begin(), out->end());
        for (const auto& row : ref) ref_flat.insert(ref_flat.end(), row.begin(), row.end());
        const Comparison c = compare_outputs(act, ref_flat, tolerance);
        st.compared++;
        st.max_abs_error = std::max(st.max_abs_error, c.max_abs_err);
        st.max_rel_error = std::max(st.max_rel_error, c.max_rel_err);
        if (!c.ok) {
          if (st.mismatches == 0) st.first_mismatch = "request " + std::to_string(rec.request.id) + ": " + describe(c);
          st.mismatches++;
        }
      }
    }
    progress.update(top.runtime.completed(), rec.finish_s);
  });

  // Waveforms: every traced signal is named after its place in the module tree and
  // grouped the same way in the GTKWave save file.
  sc_core::sc_trace_file* vcd = nullptr;
  std::vector<WaveGroup> groups;
  std::unique_ptr<InterruptCounter> irq_counter;
  if (!outputs.vcd_base.empty() && e.output.trace != TraceLevel::off) {
    vcd = sc_core::sc_create_vcd_trace_file(outputs.vcd_base.c_str());
    set_vcd_time_unit(vcd);  // the kernel's resolution: no W713 warnings
    auto trace = [&](WaveGroup& g, const auto& signal, const std::string& name, int width) {
      sc_core::sc_trace(vcd, signal, name);
      g.signals.emplace_back("SystemC." + name, width);
    };
    WaveGroup control{"control", {}, ""}, host{"host runtime", {}, "request -1: slot empty"},
        slots{"accelerator slots", {}, "request -1: slot empty"};
    irq_counter = std::make_unique<InterruptCounter>("irq_counter");
    irq_counter->irq(top.irq);
    trace(control, top.irq, "irq", 1);
    trace(control, irq_counter->count, "irq_count", 64);
    trace(control, top.accelerator->window_index, "accelerator.window", 64);
    trace(control, top.accelerator->current_layer, "accelerator.layer", 32);
    trace(control, top.accelerator->pass_steps, "accelerator.pass_steps", 64);
    trace(control, top.accelerator->commands_done, "accelerator.commands_done", 64);
    trace(host, top.runtime.waiting_requests, "runtime.waiting", 64);
    for (std::size_t i = 0; i < top.runtime.slot_request.size(); ++i)
      trace(host, top.runtime.slot_request[i], "runtime.slot" + std::to_string(i) + ".request", 64);
    for (std::size_t i = 0; i < top.accelerator->slot_sequence.size(); ++i) {
      trace(slots, top.accelerator->slot_sequence[i], "accelerator.slot" + std::to_string(i) + ".request", 64);
      trace(slots, top.accelerator->slot_remaining[i], "accelerator.slot" + std::to_string(i) + ".remaining", 64);
    }
    groups = {control};  // then compute and memory (full), then the groups that grow with the slots
    if (e.output.trace == TraceLevel::full) {
      WaveGroup compute{"compute", {}, ""}, memory{"memory", {}, ""};
      const auto own = top.accelerator->platform_signals();
      for (const auto& [signal, name] : own.compute) trace(compute, *signal, "accelerator." + name, 1);
      for (const auto& [signal, name] : own.memory) trace(memory, *signal, "accelerator." + name, 64);
      trace(memory, top.dram.busy, "dram.busy", 1);
      trace(memory, top.dram.traffic_bytes, "dram.traffic_bytes", 64);
      groups.push_back(compute);
      groups.push_back(memory);
      top.dram.set_tracing(true);
    }
    groups.push_back(host);
    groups.push_back(slots);
    top.accelerator->set_tracing(true);
    top.runtime.set_tracing(true);
  }
  std::unique_ptr<Timeline> timeline;
  if (!outputs.timeline_json.empty()) {
    timeline = std::make_unique<Timeline>(outputs.timeline_json, e.output.trace_from_s, e.output.trace_to_s);
    top.accelerator->set_timeline(timeline.get());
    top.dram.set_timeline(timeline.get());
    top.runtime.set_finish_observer([t = timeline.get()](const RequestRecord& rec) {
      t->add_lifetime("requests", "request " + std::to_string(rec.request.id), rec.request.arrival_s, rec.finish_s,
                      {{"id", std::to_string(rec.request.id)},
                       {"length", std::to_string(rec.request.length)},
                       {"slot", std::to_string(rec.slot)},
                       {"start_s", JsonWriter::number(rec.start_s)}});
    });
  }

  sc_core::sc_start();
  if (vcd) {
    sc_core::sc_close_vcd_trace_file(vcd);
    const std::string vcd_path = outputs.vcd_base + ".vcd";
    if (e.output.trace_from_s > 0 || e.output.trace_to_s > 0)
      window_vcd(vcd_path, e.output.trace_from_s, e.output.trace_to_s);
    if (!outputs.gtkw.empty())
      write_gtkw(outputs.gtkw, outputs.gtkw_vcd_name, groups, sc_core::sc_time_stamp().to_seconds());
  }
  if (timeline) timeline->close();
  progress.update(top.runtime.completed(), sc_core::sc_time_stamp().to_seconds(), true);

  st.error = top.runtime.error();
  if (TlmChecker::total_violations() > 0 && st.error.empty())
    st.error = "TLM protocol checker: " + std::to_string(TlmChecker::total_violations()) + " violations";
  if (top.runtime.interrupted()) st.interrupted = stop_signal == SIGTERM ? "SIGTERM" : "SIGINT";
  st.completed = std::int64_t(top.runtime.completed());
  st.failed = top.runtime.failed();
  st.sim_time_s = top.runtime.finish_time_s();
  st.throughput_per_s = st.sim_time_s > 0 ? double(st.completed) / st.sim_time_s : 0;
  st.latency_s = summarize_latency(latencies);
  st.energy = top.energy.report(e.energy, st.sim_time_s);
  st.energy_per_sequence_j = st.completed ? st.energy.total_j() / double(st.completed) : 0;
  st.dram_bytes_read = top.dram.bytes_read();
  st.dram_bytes_written = top.dram.bytes_written();
  st.dram_busy_fraction = st.sim_time_s > 0 ? top.dram.busy_seconds() / st.sim_time_s : 0;
  const AcceleratorStats& a = top.accelerator->stats();
  st.commands = a.commands;
  st.passes = a.passes;
  st.interrupts = a.interrupts;
  st.compute_cycles = a.compute_cycles;
  st.weight_load_bytes = a.weight_load_bytes;
  st.weight_stream_bytes = a.weight_stream_bytes;
  st.macs = a.macs;
  const double cycles = st.sim_time_s * e.hardware.frequency_hz;
  st.compute_utilisation = cycles > 0 ? a.busy_unit_cycles / (a.unit_cycle_capacity_per_cycle * cycles) : 0;
  st.step_slots_useful = a.step_slots_useful;
  st.step_slots_padding = a.step_slots_padding;
  if (csv) {
    if (!st.interrupted.empty())  // the rows so far, and a last line that says they are not all
      csv->write("# incomplete: interrupted by " + st.interrupted + " after " + std::to_string(st.completed) + " of " +
                 std::to_string(st.submitted) + " requests\n");
    csv->commit();
  }
  if (npz) npz->close();
  st.wall_s = std::chrono::duration<double>(Clock::now() - wall_start).count();
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
  std::snprintf(buf, sizeof buf, "  wall clock     %.3f s (%.3g sequence-layer-steps/s)\n", s.wall_s,
                s.wall_s > 0 ? double(s.sequence_layer_steps) / s.wall_s : 0.0);
  out += buf;
  if (!s.error.empty()) out += "  ERROR: " + s.error + "\n";
  if (!s.interrupted.empty())
    out += "  INCOMPLETE: interrupted by " + s.interrupted + "; the figures cover the requests completed so far\n";
  for (const auto& f : s.failed)
    out += "  FAILED: request " + std::to_string(f.id) + " in slot " + std::to_string(f.slot) + ": " + f.reason + "\n";
  return out;
}

}  // namespace ebatch
