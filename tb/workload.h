// The request generator (stimulus): turns a WorkloadSpec into concrete
// requests (id, arrival time, length in time-steps), reads request traces
// (CSV), and summarizes a request list for `ebatch validate`.
//
// Randomness is deterministic on every platform: only Boost.Random engines and
// distributions are used (never std:: distributions, whose algorithms differ
// between standard libraries). Lengths and arrivals draw from two independent
// mt19937_64 streams, seeded with
//   lengths:  splitmix64(seed ^ 0x6c656e6774687321)   ("lengths!")
//   arrivals: splitmix64(seed ^ 0x6172726976616c73)   ("arrivals")
// so changing the arrival process never changes the lengths and vice versa.
//
// Decisions:
// - Length values are in the distribution's unit (seconds, words, ...);
//   steps = max(1, llround(value * steps_per_unit)). For `uniform`, the bounds
//   are converted to steps the same way and the step count is then drawn
//   uniformly from the integers in [min_steps, max_steps].
// - lognormal: ln(value) ~ Normal(mu, sigma), clamped to [min, max]; max == 0
//   means no upper clip.
// - poisson: exponential inter-arrival times at rate_per_s; the process starts
//   at t = 0 and the first request arrives at the first draw (not at 0).
// - Traces must be sorted by arrival time (non-decreasing); unsorted rows are
//   rejected rather than silently reordered, since ids follow file order.
// - requests == 0 with no trace gives an empty list.
//
// Ignored: spec.lengths.source and table_mean (report-only fields).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/rnn_spec.h"
#include "common/workload_spec.h"
#include "hw/contract/slot_engine.h"

namespace ebatch {

// kMaxRequestLength: common/workload_spec.h.

// Concrete requests, ids 0..n-1 in arrival order (trace ids are kept when the
// spec takes anything from a trace). Throws InputError on an invalid spec or trace.
std::vector<Request> generate_requests(const WorkloadSpec& spec);

// Autoregressive networks: turns the drawn requests into what the host sees (length: the most
// steps the decoder may produce; source_length: an encoder-decoder's source) and returns where
// each decoded sequence really ends (id -> steps), which only the accelerator model receives
// (workload_spec.h: DecodingSpec). The targets of an encoder-decoder network draw from a third
// stream, splitmix64(seed ^ 0x7461726765747321) ("targets!"), so lengths and arrivals are the
// same as for the encoder alone. Other networks: nothing changes, the table is empty.
OutputLengths hide_output_lengths(const WorkloadSpec& spec, const NetworkSpec& network, std::vector<Request>& requests);

// Reads a CSV request trace: header `id,arrival_s,length`, then one row per
// request, sorted by arrival. Tolerates CRLF, trailing spaces, blank lines,
// `#` comment lines and a UTF-8 BOM. Throws InputError naming the file, the
// line and the reason ("trace.csv:7: length must be a positive integer, got '0'").
std::vector<Request> read_request_trace(const std::string& path);

// The parser behind read_request_trace, on text in memory; `name` prefixes
// error messages. Safe on any bytes (the fuzzing entry point).
std::vector<Request> parse_request_trace(std::string_view text, const std::string& name);

// Analytic mean of the piecewise-linear distribution whose inverse CDF passes
// through the (probability, value) points. Throws InputError on an invalid table.
double mean_of_quantile_table(const std::vector<std::pair<double, double>>& quantiles);

struct WorkloadSummary {
  std::int64_t count = 0;
  double mean_length = 0;  // steps
  std::int64_t min_length = 0, max_length = 0;
  // Nearest-rank percentiles of the lengths, in steps.
  std::int64_t p50_length = 0, p90_length = 0, p95_length = 0, p99_length = 0;
  std::int64_t total_steps = 0;
  double first_arrival_s = 0, last_arrival_s = 0;
  // (count - 1) / (last - first): requests per second over the arrival span;
  // 0 when fewer than two requests or all arrive at the same instant.
  double offered_rate_per_s = 0;
};

WorkloadSummary summarize(const std::vector<Request>& requests);

// A few lines of readable text, each ending in '\n'.
std::string format_summary(const WorkloadSummary& summary);

}  // namespace ebatch
