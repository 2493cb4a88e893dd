#include "tb/observers.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/json_writer.h"
#include "common/units.h"
#include "hw/functional_engine.h"
#include "tb/simulation.h"
#include "tb/system_top.h"

namespace ebatch {

void LatencyRecorder::on_request(const RequestRecord& rec, const std::vector<float>*) {
  latencies_.add(rec.finish_s - rec.request.arrival_s);
}

void LatencyRecorder::finish(SystemTop&, RunStats& st) {
  LatencySummary& s = st.latency_s;
  s.mean = latencies_.mean();
  s.p50 = latencies_.quantile(0.50);
  s.p95 = latencies_.quantile(0.95);
  s.p99 = latencies_.quantile(0.99);
  s.max = latencies_.max();
  s.quantile_relative_error = latencies_.relative_accuracy();
}

RequestsCsvWriter::RequestsCsvWriter(const std::string& path) : file_(path) {
  file_.write("id,length,arrival_s,start_s,finish_s,latency_s,slot,steps\n");
}

void RequestsCsvWriter::on_request(const RequestRecord& rec, const std::vector<float>*) {
  char line[256];
  const int n = std::snprintf(line, sizeof line, "%lld,%lld,%.9g,%.9g,%.9g,%.9g,%d,%lld\n", (long long)rec.request.id,
                              (long long)rec.request.length, rec.request.arrival_s, rec.start_s, rec.finish_s,
                              rec.finish_s - rec.request.arrival_s, rec.slot, (long long)rec.steps_produced);
  file_.write(line, std::min(sizeof line - 1, std::size_t(n)));
}

void RequestsCsvWriter::finish(SystemTop&, RunStats& st) {
  if (!st.interrupted.empty())  // the rows so far, and a last line that says they are not all
    file_.write("# incomplete: interrupted by " + st.interrupted + " after " + std::to_string(st.completed) + " of " +
                std::to_string(st.submitted) + " requests\n");
  file_.commit();
}

OutputsNpzWriter::OutputsNpzWriter(const std::string& path, int output_width) : npz_(path), width_(output_width) {}

namespace {

// The output layer's values of a finished request, if the run computes them.
const FunctionalEngine::OutputLayerValues* output_layer_of(const SystemTop* top, std::int64_t id) {
  return top && top->functional ? top->functional->output_layer_values(id) : nullptr;
}

}  // namespace

void OutputsNpzWriter::on_request(const RequestRecord& rec, const std::vector<float>* out) {
  if (!out) return;
  const std::string id = std::to_string(rec.request.id);
  // Rows: the request's length (a decoder's: the steps it produced, from DONE_STEPS).
  npz_.add("seq_" + id, out->data(), out->size() / std::size_t(width_), std::size_t(width_));
  if (const auto* v = output_layer_of(top_, rec.request.id)) {
    if (!v->tokens.empty()) {  // token ids as float32 (exact: vocabularies are below 2^22)
      const std::vector<float> tokens(v->tokens.begin(), v->tokens.end());
      npz_.add("tokens_" + id, tokens.data(), tokens.size(), 1);
    }
    npz_.add("logits_" + id, v->logits.data(), std::size_t(v->logits.rows()), std::size_t(v->logits.cols()));
    npz_.add("output_" + id, v->output.data(), std::size_t(v->output.rows()), std::size_t(v->output.cols()));
  }
}

void OutputLayerRelease::on_request(const RequestRecord& rec, const std::vector<float>*) {
  if (top_ && top_->functional) top_->functional->release(rec.request.id);
}

void OutputsNpzWriter::finish(SystemTop&, RunStats&) { npz_.close(); }

GoldenScoreboard::GoldenScoreboard(const Experiment& e, const RnnWeights& weights, InputSource& inputs)
    : e_(e), weights_(weights), inputs_(inputs), tolerance_(tolerance_for(e.hardware.precision)) {}

void GoldenScoreboard::on_request(const RequestRecord& rec, const std::vector<float>* out) {
  if (!out) return;
  const NetworkSpec& net = e_.network;
  std::vector<float> in;
  // The inputs from DRAM: the request's (an encoder-decoder's source; a decoder alone has none).
  const std::size_t steps_in = net.encoder_decoder() ? std::size_t(rec.request.source_length)
                               : net.autoregressive  ? 0
                                                     : std::size_t(rec.request.length);
  if (steps_in > 0) inputs_.inputs(rec.request, in);
  GoldenSequence gin(steps_in, std::vector<double>(std::size_t(net.input_size)));
  for (std::size_t t = 0; t < gin.size(); ++t)
    for (std::size_t i = 0; i < gin[t].size(); ++i) gin[t][i] = in[t * gin[t].size() + i];
  // Greedy decoding: the tokens must be the golden decoder's, then its values are compared.
  GoldenOutputs ref;
  const auto* v = output_layer_of(top_, rec.request.id);
  const std::string request = "request " + std::to_string(rec.request.id) + ": ";
  if (net.autoregressive) {
    GoldenDecoded dec = golden_decode_request(weights_, gin, int(rec.request.length));
    if (!v) throw std::logic_error("golden check: " + request + "no decoded tokens from the functional engine");
    if (v->tokens != dec.tokens) {
      std::size_t k = 0;
      while (k < v->tokens.size() && k < dec.tokens.size() && v->tokens[k] == dec.tokens[k]) ++k;
      if (mismatches_ == 0)
        first_mismatch_ = request + "decoded tokens differ from the golden decoder's at step " + std::to_string(k) +
                          " (" + std::to_string(v->tokens.size()) + " vs " + std::to_string(dec.tokens.size()) +
                          " tokens)";
      compared_++;
      mismatches_++;
      return;
    }
    ref.hidden = std::move(dec.hidden);
    ref.logits = std::move(dec.logits);
    ref.output = std::move(dec.output);
  } else {
    ref = golden_run_network(weights_, gin);
  }
  // The recurrent outputs, then (a network with an output layer) its logits and activated values.
  struct Part {
    const char* name;
    std::vector<double> actual;
    const GoldenSequence* reference;
  };
  std::vector<Part> parts;
  parts.push_back({"", std::vector<double>(out->begin(), out->end()), &ref.hidden});
  if (v) {
    parts.push_back({"output layer logits ", std::vector<double>(v->logits.data(), v->logits.data() + v->logits.size()),
                     &ref.logits});
    parts.push_back({"output layer values ", std::vector<double>(v->output.data(), v->output.data() + v->output.size()),
                     &ref.output});
  } else if (net.output.size > 0) {
    throw std::logic_error("golden check: request " + std::to_string(rec.request.id) +
                           " has no output-layer values from the functional engine");
  }
  bool ok = true;
  for (const Part& p : parts) {
    std::vector<double> ref_flat;
    for (const auto& row : *p.reference) ref_flat.insert(ref_flat.end(), row.begin(), row.end());
    const Comparison c = compare_outputs(p.actual, ref_flat, tolerance_);
    max_abs_ = std::max(max_abs_, c.max_abs_err);
    max_rel_ = std::max(max_rel_, c.max_rel_err);
    if (!c.ok && ok && mismatches_ == 0) first_mismatch_ = request + p.name + describe(c);
    ok = ok && c.ok;
  }
  compared_++;
  if (!ok) mismatches_++;
}

void GoldenScoreboard::finish(SystemTop&, RunStats& st) {
  st.compared = compared_;
  st.mismatches = mismatches_;
  st.max_abs_error = max_abs_;
  st.max_rel_error = max_rel_;
  st.first_mismatch = first_mismatch_;
}

void ProgressReporter::on_request(const RequestRecord& rec, const std::vector<float>*) {
  update(top_->runtime.completed(), rec.finish_s, false);
}

void ProgressReporter::finish(SystemTop& top, RunStats&) {
  update(top.runtime.completed(), sc_core::sc_time_stamp().to_seconds(), true);
}

void ProgressReporter::update(std::size_t done, double sim_s, bool final) {
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

// Every traced signal is named after its place in the module tree and grouped the same way
// in the GTKWave save file.
void WaveformTracer::attach(SystemTop& top) {
  vcd_ = sc_core::sc_create_vcd_trace_file(vcd_base_.c_str());
  set_vcd_time_unit(vcd_);  // the kernel's resolution: no W713 warnings
  auto trace = [&](WaveGroup& g, const auto& signal, const std::string& name, int width) {
    sc_core::sc_trace(vcd_, signal, name);
    g.signals.emplace_back("SystemC." + name, width);
  };
  WaveGroup control{"control", {}, ""}, host{"host runtime", {}, "request -1: slot empty"},
      slots{"accelerator slots", {}, "request -1: slot empty"};
  irq_counter_ = std::make_unique<InterruptCounter>("irq_counter");
  irq_counter_->irq(top.irq);
  trace(control, top.irq, "irq", 1);
  trace(control, irq_counter_->count, "irq_count", 64);
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
  groups_ = {control};  // then compute and memory (full), then the groups that grow with the slots
#ifdef EBATCH_HAVE_RTL
  if (top.rtl_control) {
    // hardware.control: rtl: the control block's pins (APB, datapath side, interrupt).
    WaveGroup pins{"rtl control pins", {}, "APB3 and datapath pins of hw/rtl/control/ebatch_ctrl.sv"};
    top.rtl_control->trace(vcd_, "rtl_control", pins.signals);
    groups_.push_back(pins);
  }
#endif
  if (e_.output.trace == TraceLevel::full) {
    WaveGroup compute{"compute", {}, ""}, memory{"memory", {}, ""};
    const auto own = top.accelerator->platform_signals();
    for (const auto& [signal, name] : own.compute) trace(compute, *signal, "accelerator." + name, 1);
    for (const auto& [signal, name] : own.memory) trace(memory, *signal, "accelerator." + name, 64);
    trace(memory, top.dram.busy, "dram.busy", 1);
    trace(memory, top.dram.traffic_bytes, "dram.traffic_bytes", 64);
    groups_.push_back(compute);
    groups_.push_back(memory);
    top.dram.set_tracing(true);
  }
  groups_.push_back(host);
  groups_.push_back(slots);
  top.accelerator->set_tracing(true);
  top.runtime.set_tracing(true);
}

void WaveformTracer::finish(SystemTop&, RunStats&) {
  sc_core::sc_close_vcd_trace_file(vcd_);
  const std::string vcd_path = vcd_base_ + ".vcd";
  if (e_.output.trace_from_s > 0 || e_.output.trace_to_s > 0)
    window_vcd(vcd_path, e_.output.trace_from_s, e_.output.trace_to_s);
  if (!gtkw_.empty()) write_gtkw(gtkw_, gtkw_vcd_name_, groups_, sc_core::sc_time_stamp().to_seconds());
}

void TimelineRecorder::attach(SystemTop& top) {
  top.accelerator->set_timeline(&timeline_);
  top.dram.set_timeline(&timeline_);
  top.runtime.set_finish_observer([t = &timeline_](const RequestRecord& rec) {
    t->add_lifetime("requests", "request " + std::to_string(rec.request.id), rec.request.arrival_s, rec.finish_s,
                    {{"id", std::to_string(rec.request.id)},
                     {"length", std::to_string(rec.request.length)},
                     {"slot", std::to_string(rec.slot)},
                     {"start_s", JsonWriter::number(rec.start_s)}});
  });
}

void TimelineRecorder::finish(SystemTop&, RunStats&) { timeline_.close(); }

void FaultInjector::attach(SystemTop& top) {
  top.runtime.set_bad_address_requests(e_.simulation.fault_bad_address);
  if (e_.simulation.fault_dram_error.empty()) return;
  const std::uint64_t bytes_per_step =
      std::uint64_t(e_.network.input_size) * std::uint64_t(bytes_per_value(e_.hardware.precision));
  top.runtime.set_placement_observer([&top, &e = e_, bytes_per_step](const RequestRecord& rec) {
    const auto& ids = e.simulation.fault_dram_error;
    if (std::find(ids.begin(), ids.end(), rec.request.id) != ids.end())
      top.dram.poison(rec.input_address, std::uint64_t(rec.padded_length) * bytes_per_step);
  });
}

void PassObserverHook::attach(SystemTop& top) { top.accelerator->set_pass_observer(observer_); }

}  // namespace ebatch
