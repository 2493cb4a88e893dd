// Picks E-BATCH's window N for a platform: for each candidate N it replays the
// E-BATCH policy on a pilot of the workload with the platform's pass estimator
// (no SystemC kernel; completion at the end of its window, no DRAM contention,
// no register overheads), then applies the objective:
//   knee                      the smallest N whose energy per sequence is within
//                             5% of the lowest among the candidates;
//   min_energy_under_latency  the lowest energy per sequence whose p99 latency
//                             meets the target (no target: the lowest energy);
//                             if none meets it, the lowest p99 latency.
// On-chip capacity (hw/onchip.h): the estimator reads the platform's planner, so under
// hardware.spill: dram every candidate's spill is priced (its DRAM time and energy) and
// under ignore nothing bounds it; under reject a candidate whose passes do not fit is
// skipped (the reason lists it), and if none fits tune_window throws CapacityError (exit 2).
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "common/experiment.h"
#include "hw/contract/pass_estimator.h"

namespace ebatch {

struct TunerPoint {
  int window = 0;
  double makespan_s = 0, energy_per_sequence_j = 0, mean_latency_s = 0, p99_latency_s = 0;
  double throughput_per_s = 0;
};

struct TunerChoice {
  int window = 0;
  std::string reason;
  std::vector<TunerPoint> points;
};

// Replays E-BATCH with window `n` on `requests`. A non-zero `*stop` (set by SIGINT/SIGTERM)
// ends the replay early, as it ends a run.
TunerPoint estimate_window(const Experiment& experiment, const std::vector<Request>& requests, int n,
                           PassEstimator& estimator, const volatile std::sig_atomic_t* stop = nullptr);

// Interrupted (`*stop` non-zero), it returns at once with the first candidate window and a
// reason saying so; the run that follows stops at its first check of the same flag.
TunerChoice tune_window(const Experiment& experiment, const std::vector<Request>& pilot, PassEstimator& estimator,
                        const volatile std::sig_atomic_t* stop = nullptr);

// The pilot: the first requests of the workload (at most `max_requests`), arrival times kept.
std::vector<Request> pilot_requests(const std::vector<Request>& all, std::size_t max_requests = 200);

}  // namespace ebatch
