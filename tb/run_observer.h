// What attaches to a run without being part of the system: every output file and every
// check is one RunObserver (tb/observers.h holds the shipped ones). run_experiment calls
// attach() after elaboration and before the simulation starts, on_request() for every
// request whose result is back on the host, and finish() after the simulation, once the
// run's statistics are gathered (an observer adds its own figures, closes its file).
#pragma once

#include <vector>

#include "runtime/host_runtime.h"

namespace ebatch {

struct SystemTop;
struct RunStats;

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void attach(SystemTop& top) { (void)top; }
  // `outputs`: the request's layer outputs (length x layer_output_size), functional runs only.
  virtual void on_request(const RequestRecord& record, const std::vector<float>* outputs) {
    (void)record, (void)outputs;
  }
  virtual void finish(SystemTop& top, RunStats& stats) { (void)top, (void)stats; }
};

}  // namespace ebatch
