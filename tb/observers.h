// The shipped run observers (tb/run_observer.h), one per output or check:
//   LatencyRecorder     latency percentiles into RunStats (streaming histogram)
//   RequestsCsvWriter   requests.csv, one row per request as it finishes
//   OutputsNpzWriter    outputs.npz, the layer outputs of every request and the output layer's
//                       logits and values (functional runs)
//   GoldenScoreboard    each request's outputs (recurrent and output layer) against the golden
//                       reference (functional runs)
//   OutputLayerRelease  frees each request's output-layer values once the observers above saw them
//   ProgressReporter    a progress bar on stderr
//   WaveformTracer      trace.vcd (signals grouped by module) and its GTKWave save file
//   TimelineRecorder    timeline.json (Chrome/Perfetto trace events)
//   FaultInjector       simulation.faults: corrupted descriptors and poisoned input buffers
//   PassObserverHook    hands every layer pass to a check (RunHooks::pass_observer)
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "common/atomic_file.h"
#include "common/experiment.h"
#include "common/latency_histogram.h"
#include "common/rnn_weights.h"
#include "hw/accelerator.h"
#include "hw/timeline.h"
#include "tb/golden_reference.h"
#include "tb/npz_stream.h"
#include "tb/run_observer.h"
#include "tb/stimulus.h"
#include "tb/wave_probes.h"
#include "tb/waveform_files.h"

namespace ebatch {

class LatencyRecorder : public RunObserver {
 public:
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;
  void finish(SystemTop& top, RunStats& st) override;

 private:
  LatencyHistogram latencies_;  // constant memory, whatever the number of requests
};

class RequestsCsvWriter : public RunObserver {
 public:
  explicit RequestsCsvWriter(const std::string& path);
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;
  // Commits the file; an interrupted run ends it with a line saying the rows are not all.
  void finish(SystemTop& top, RunStats& st) override;

 private:
  AtomicFile file_;
};

// Arrays per request id: seq_<id> (length x layer_output_size), and for a network with an
// output layer logits_<id> and output_<id> (length x output size, before and after the
// activation); for an autoregressive network the rows are the steps it produced (EOS included)
// and tokens_<id> (steps x 1, float32) holds the greedily decoded token ids.
class OutputsNpzWriter : public RunObserver {
 public:
  OutputsNpzWriter(const std::string& path, int output_width);
  void attach(SystemTop& top) override { top_ = &top; }
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;
  void finish(SystemTop& top, RunStats& st) override;

 private:
  NpzStreamWriter npz_;
  int width_;
  SystemTop* top_ = nullptr;
};

class OutputLayerRelease : public RunObserver {
 public:
  void attach(SystemTop& top) override { top_ = &top; }
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;

 private:
  SystemTop* top_ = nullptr;
};

class GoldenScoreboard : public RunObserver {
 public:
  GoldenScoreboard(const Experiment& e, const RnnWeights& weights, InputSource& inputs);
  void attach(SystemTop& top) override { top_ = &top; }
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;
  void finish(SystemTop& top, RunStats& st) override;

 private:
  const Experiment& e_;
  const RnnWeights& weights_;
  InputSource& inputs_;
  SystemTop* top_ = nullptr;
  Tolerance tolerance_;
  std::int64_t compared_ = 0, mismatches_ = 0;
  double max_abs_ = 0, max_rel_ = 0;
  std::string first_mismatch_;
};

class ProgressReporter : public RunObserver {
 public:
  explicit ProgressReporter(std::size_t total) : total_(total), start_(Clock::now()), last_(start_) {}
  void attach(SystemTop& top) override { top_ = &top; }
  void on_request(const RequestRecord& rec, const std::vector<float>* outputs) override;
  void finish(SystemTop& top, RunStats& st) override;

 private:
  using Clock = std::chrono::steady_clock;
  void update(std::size_t done, double sim_s, bool final);
  SystemTop* top_ = nullptr;
  std::size_t total_;
  Clock::time_point start_, last_;
};

class WaveformTracer : public RunObserver {
 public:
  // `vcd_base`: the VCD's path without ".vcd"; `gtkw` ("" = none) refers to it as `gtkw_vcd_name`.
  WaveformTracer(const Experiment& e, std::string vcd_base, std::string gtkw, std::string gtkw_vcd_name)
      : e_(e), vcd_base_(std::move(vcd_base)), gtkw_(std::move(gtkw)), gtkw_vcd_name_(std::move(gtkw_vcd_name)) {}
  void attach(SystemTop& top) override;
  // Closes the VCD, cuts the trace window, writes the GTKWave save file.
  void finish(SystemTop& top, RunStats& st) override;

 private:
  const Experiment& e_;
  std::string vcd_base_, gtkw_, gtkw_vcd_name_;
  sc_core::sc_trace_file* vcd_ = nullptr;
  std::vector<WaveGroup> groups_;
  std::unique_ptr<InterruptCounter> irq_counter_;  // irq_count: every interrupt, at any zoom
};

class TimelineRecorder : public RunObserver {
 public:
  TimelineRecorder(const std::string& path, double from_s, double to_s) : timeline_(path, from_s, to_s) {}
  void attach(SystemTop& top) override;
  void finish(SystemTop& top, RunStats& st) override;

 private:
  Timeline timeline_;
};

class FaultInjector : public RunObserver {
 public:
  explicit FaultInjector(const Experiment& e) : e_(e) {}
  void attach(SystemTop& top) override;

 private:
  const Experiment& e_;
};

class PassObserverHook : public RunObserver {
 public:
  explicit PassObserverHook(Accelerator::PassObserver observer) : observer_(std::move(observer)) {}
  void attach(SystemTop& top) override;

 private:
  Accelerator::PassObserver observer_;
};

}  // namespace ebatch
