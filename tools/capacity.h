// Capacity at a latency target (`ebatch capacity`, `ebatch reproduce`): the pieces that
// need no simulation, so they are tested without one.
//
// - Slo: "p99=2s" (a latency statistic and its bound).
// - steady_latencies(): the latencies of a run's requests.csv after the warm-up (the
//   first `warmup_fraction` of the requests by arrival, i.e. by id, are discarded).
// - latency_statistic(): p50/p90/p95/p99 (nearest rank: the ceil(q n)-th smallest),
//   mean or max of those.
// - CapacitySearch: the highest rate that passes, to a relative tolerance. Bracketing: the
//   first probe is at `upper` (the saturation throughput of a run with every request at time
//   zero); while every probe passes, the next doubles the rate; once one failed, bisection of
//   [lo, hi] (lo the highest rate that passed or 0, hi the lowest that failed) until
//   hi - lo <= tolerance x hi, or max_probes probes. The capacity is lo: a rate that passed.
// - The run length (CapacityRules::requests_at): a probe at rate r runs
//   max(requests, span x bound x r) requests (at most max_requests): its arrivals last at
//   least `span` SLO bounds, so a rate a fraction f above what the system carries builds a
//   backlog whose wait grows by about f x span bounds over the run, and fails the SLO by the
//   end once f > 1 / span (5% for the default span 20): a finite run cannot pass an overload.
#pragma once

#include <string>
#include <vector>

#include "common/experiment.h"
#include "tb/stats_schema.h"

namespace ebatch::cli {

struct Slo {
  std::string statistic;     // p50, p90, p95, p99, mean, max
  double seconds = 0;        // the bound
  std::string text() const;  // "p99=2 s"
};

// Parses "STAT=TIME" (STAT one of p50, p90, p95, p99, mean, max; TIME with a unit, above 0).
// `where` leads the InputError's message ("ebatch capacity: --slo").
Slo parse_slo(const std::string& text, const std::string& where);

// The latencies (s) of the requests of `requests_csv` whose id is at least
// warmup_fraction x the number of requests. InputError-free: std::runtime_error if the file
// cannot be read or lacks the columns.
std::vector<double> steady_latencies(const std::string& requests_csv, double warmup_fraction);

// The statistic of `latencies` (0 for none).
double latency_statistic(std::vector<double> latencies, const std::string& statistic);

class CapacitySearch {
 public:
  CapacitySearch(double upper, double tolerance, int max_probes);
  bool done() const;
  double next_rate() const;                // the rate to probe next (only while !done())
  void record(bool within);                // the result of the probe at next_rate()
  double capacity() const { return lo_; }  // the highest rate that passed; 0 if none did
  double upper() const { return upper_; }
  int probes() const { return probes_; }
  // No probe failed: the capacity is at least capacity() (the bracket never closed above).
  bool unbounded() const { return hi_ == 0 && lo_ > 0; }

 private:
  double upper_, tolerance_;
  int max_probes_, probes_ = 0;
  double lo_ = 0, hi_ = 0;  // hi_ = 0: no probe failed yet
};

// The run-length rule of every probe: `requests` Poisson requests (the last at about
// requests / rate), the first warmup_fraction of them discarded from the statistic.
struct CapacityRules {
  int requests = 400;        // at least this many requests per probe
  int max_requests = 20000;  // at most this many
  double span = 20;          // the arrivals last at least span x the SLO bound
  double warmup_fraction = 0.2;
  double tolerance = 0.05;  // relative width of the final bracket
  int max_probes = 8;
  int requests_at(double rate, double slo_seconds) const;
};

// One `ebatch run` at an offered rate (0: every request at time zero) and what it gave.
struct Probe {
  std::string base, dir;            // experiment file; run folder
  std::vector<Override> overrides;  // the run's config but its arrivals and requests
  double rate = 0;                  // offered, requests/s
  int requests = 0;                 // requests of the run
  Slo slo;                          // what the probe is checked against
  bool ok = false;                  // the run finished and its files were read
  stat::Summary summary;            // its stats.json (whole run)
  double statistic = 0;             // the SLO's statistic over the steady requests
  double p50 = 0, p99 = 0;          // the same requests' p50 and p99
  bool within = false;              // ok and statistic <= the bound
};

// `exe run BASE --set ...` with the probe's arrivals and requests, output to DIR, its
// stdout and stderr to DIR.log.
std::string probe_command(const std::string& exe, const Probe& p);
std::string run_command(const std::string& exe, const std::string& base, const std::vector<Override>& o,
                        const std::string& dir);
// The arrivals override: Poisson at `rate`, or every request at time zero for rate 0.
Override arrivals_override(double rate);

// Runs the probes `jobs` at a time and reads their results against each one's SLO (its
// statistic over the requests after the warm-up); a failed run is !ok (its log is named on
// stderr). Returns how many failed.
int run_probes(const std::vector<Probe*>& probes, const CapacityRules& rules, const std::string& exe, int jobs,
               const std::string& label);

// One capacity search: a configuration (policy or variant, seed, platform, network) and its probes.
struct CapacityTarget {
  std::string label, dir;  // probes in dir/probe-NN, the saturation run in dir/saturation
  std::string base;
  std::vector<Override> overrides;
  Slo slo;
  double upper = 0;    // the saturation throughput; 0: measured first (every request at time zero)
  int max_probes = 0;  // probes of this search; 0: the rules' max_probes
  Probe saturation;
  bool failed = false;
  CapacitySearch search{0, 0, 0};
  std::vector<Probe> probes;
  // The probe at the capacity (the highest rate that passed); nullptr if none passed.
  const Probe* at_capacity() const;
};

// Runs the searches side by side: the saturation runs the targets need, then rounds of
// one probe per unfinished search, `jobs` runs at a time. Returns how many runs failed.
int run_capacity_searches(const std::vector<CapacityTarget*>& targets, const CapacityRules& rules,
                          const std::string& exe, int jobs, const std::string& label);

double median(std::vector<double> v);

}  // namespace ebatch::cli
