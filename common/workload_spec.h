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

struct WorkloadSpec {
  std::int64_t requests = 0;  // trace: 0 means every row of the trace
  LengthDistribution lengths;
  ArrivalProcess arrivals;
  std::string trace_path;  // CSV with header id,arrival_s,length (when either kind is trace)
  std::uint64_t seed = 1;
};

// One inference request, as the host receives it.
struct Request {
  std::int64_t id = 0;
  double arrival_s = 0;
  std::int64_t length = 0;  // time-steps
};

}  // namespace ebatch
