// What requests a run receives: how many, their lengths in time-steps and
// their arrival times. Parsed from an experiment's `workload:` section;
// turned into concrete requests by tb/workload.h.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ebatch {

struct LengthDistribution {
  enum class Kind { empirical, lognormal, uniform, fixed, trace };
  Kind kind = Kind::fixed;
  std::string source;  // dataset name or note, for reports
  // Values are in `unit`s; steps = max(1, round(value * steps_per_unit)).
  double steps_per_unit = 1.0;
  // empirical: piecewise-linear inverse CDF through (probability, value) points,
  // probabilities strictly increasing from 0 to 1, values non-decreasing.
  std::vector<std::pair<double, double>> quantiles;
  double table_mean = 0;  // the dataset's stated mean, if known (0: unknown), for reports
  // lognormal: ln(value) ~ Normal(mu, sigma), then clipped to [min, max].
  double mu = 0, sigma = 0;
  // lognormal clip, uniform bounds (inclusive).
  double min = 0, max = 0;
  // fixed
  double value = 0;
};

struct ArrivalProcess {
  enum class Kind { all_at_zero, poisson, trace };
  Kind kind = Kind::all_at_zero;
  double rate_per_s = 0;  // poisson
};

// Longest request accepted (in steps), from traces or distributions: keeps
// sums far from overflow. 1e9 steps is over 100 days of audio at 100 frames/s.
inline constexpr std::int64_t kMaxRequestLength = 1'000'000'000;

// Autoregressive networks (`workload.decoding`): how long each decoded sequence is, and the
// most the host may ask for. A decoder-only network: `lengths` draws the output length and
// the host programs max_length. An encoder-decoder network: `lengths` draws the source; the
// target is round(source x r), ln r ~ Normal(ln ratio_median, ratio_sigma) (correlated with the
// source), clipped to [1, maximum]; the host programs the maximum min(max_length,
// ceil(max_factor x source) + max_offset). Only the accelerator model sees the drawn target.
struct DecodingSpec {
  std::int64_t max_length = 200;
  double max_factor = 2.0;
  std::int64_t max_offset = 10;
  double ratio_median = 1.0;
  double ratio_sigma = 0.2;
};

struct WorkloadSpec {
  std::int64_t requests = 0;  // trace: 0 means every row of the trace
  LengthDistribution lengths;
  ArrivalProcess arrivals;
  DecodingSpec decoding;   // read for autoregressive networks only
  std::string trace_path;  // CSV with header id,arrival_s,length (when either kind is trace)
  std::uint64_t seed = 1;
};

// One inference request, as the host receives it.
struct Request {
  std::int64_t id = 0;
  double arrival_s = 0;
  std::int64_t length = 0;         // time-steps (a decoder's: the most it may produce)
  std::int64_t source_length = 0;  // encoder-decoder networks: the source's steps
};

}  // namespace ebatch
