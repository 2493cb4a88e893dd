#include "tools/capacity.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "common/errors.h"
#include "common/units.h"
#include "tools/jobs.h"
#include "tools/progress.h"

namespace ebatch::cli {

namespace {
const char* const kStatistics[] = {"p50", "p90", "p95", "p99", "mean", "max"};
}

std::string Slo::text() const { return statistic + "=" + units::format_time(seconds); }

Slo parse_slo(const std::string& text, const std::string& where) {
  const auto eq = text.find('=');
  if (eq == std::string::npos)
    throw InputError(where + ": '" + text +
                     "' is not STAT=TIME (e.g. p99=2s; STAT one of p50, p90, p95, p99, mean, max)");
  Slo s;
  s.statistic = text.substr(0, eq);
  if (std::find(std::begin(kStatistics), std::end(kStatistics), s.statistic) == std::end(kStatistics))
    throw InputError(where + ": unknown latency statistic '" + s.statistic + "' (use p50, p90, p95, p99, mean or max)");
  try {
    s.seconds = units::parse_time(text.substr(eq + 1));
  } catch (const units::UnitError& e) {
    throw InputError(where + ": '" + text.substr(eq + 1) + "': " + e.what());
  }
  if (!(s.seconds > 0) || s.seconds > units::kMaxSimulatedSeconds)
    throw InputError(where + ": the latency bound must be above 0 s and at most 1e6 s (got '" + text.substr(eq + 1) +
                     "')");
  return s;
}

std::vector<double> steady_latencies(const std::string& requests_csv, double warmup_fraction) {
  std::ifstream in(requests_csv);
  if (!in) throw std::runtime_error(requests_csv + ": cannot be read");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, ',');) header.push_back(f);
  }
  const auto col = [&](const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw std::runtime_error(requests_csv + ": no column '" + name + "'");
    return std::size_t(it - header.begin());
  };
  const std::size_t id_col = col("id"), latency_col = col("latency_s");
  std::vector<std::pair<long long, double>> rows;  // (id, latency); unfinished requests have no latency
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (f.size() <= std::max(id_col, latency_col) || f[latency_col].empty()) continue;
    rows.push_back({std::stoll(f[id_col]), std::stod(f[latency_col])});
  }
  long long n = 0;
  for (const auto& r : rows) n = std::max(n, r.first + 1);
  const double first_kept = std::ceil(warmup_fraction * double(n));
  std::vector<double> out;
  for (const auto& [id, latency] : rows)
    if (double(id) >= first_kept) out.push_back(latency);
  return out;
}

double latency_statistic(std::vector<double> v, const std::string& statistic) {
  if (v.empty()) return 0;
  if (statistic == "mean") {
    double s = 0;
    for (double x : v) s += x;
    return s / double(v.size());
  }
  if (statistic == "max") return *std::max_element(v.begin(), v.end());
  const double q = std::stod(statistic.substr(1)) / 100.0;
  // Nearest rank: the ceil(q n)-th smallest (1-based).
  const std::size_t rank = std::max<std::size_t>(1, std::size_t(std::ceil(q * double(v.size()) - 1e-9)));
  std::nth_element(v.begin(), v.begin() + long(rank - 1), v.end());
  return v[rank - 1];
}

CapacitySearch::CapacitySearch(double upper, double tolerance, int max_probes)
    : upper_(upper), tolerance_(tolerance), max_probes_(max_probes) {}

bool CapacitySearch::done() const {
  if (!(upper_ > 0)) return true;
  if (probes_ >= max_probes_) return true;
  if (probes_ == 0 || hi_ == 0) return false;  // nothing failed yet: bracket upwards
  return hi_ - lo_ <= tolerance_ * hi_;
}

double CapacitySearch::next_rate() const {
  if (probes_ == 0) return upper_;
  if (hi_ == 0) return 2 * lo_;
  return 0.5 * (lo_ + hi_);
}

void CapacitySearch::record(bool within) {
  const double rate = next_rate();
  ++probes_;
  if (within)
    lo_ = rate;
  else
    hi_ = rate;
}

int CapacityRules::requests_at(double rate, double slo_seconds) const {
  const double n = std::ceil(span * slo_seconds * rate - 1e-6);
  return int(std::clamp(n, double(requests), double(std::max(requests, max_requests))));
}

std::string run_command(const std::string& exe, const std::string& base, const std::vector<Override>& o,
                        const std::string& dir) {
  std::string cmd = shell_quote(exe) + " run " + shell_quote(base);
  for (const auto& x : o) cmd += " --set " + shell_quote(x.key + "=" + x.value);
  return cmd + " --out " + shell_quote(dir) + " > " + shell_quote(dir + ".log") + " 2>&1";
}

Override arrivals_override(double rate) {
  if (rate <= 0) return {"workload.arrivals", "{process: all_at_zero}"};
  char text[64];
  std::snprintf(text, sizeof text, "%.9g /s", rate);
  return {"workload.arrivals", std::string("{process: poisson, rate: '") + text + "'}"};
}

std::string probe_command(const std::string& exe, const Probe& p) {
  std::vector<Override> o = p.overrides;
  o.push_back({"workload.requests", std::to_string(p.requests)});
  o.push_back(arrivals_override(p.rate));
  o.push_back({"output.progress", "off"});
  o.push_back({"output.trace", "off"});
  return run_command(exe, p.base, o, p.dir);
}

int run_probes(const std::vector<Probe*>& probes, const CapacityRules& rules, const std::string& exe, int jobs,
               const std::string& label) {
  std::vector<std::string> commands;
  for (Probe* p : probes) {
    std::filesystem::create_directories(std::filesystem::path(p->dir).parent_path());
    commands.push_back(probe_command(exe, *p));
  }
  int failed = 0;
  const bool tty = isatty(STDERR_FILENO);
  Progress progress(label, "runs", probes.size(), 0, probes.size());
  run_forked(
      commands, jobs,
      [&](std::size_t i, int rc) {
        Probe& p = *probes[i];
        p.ok = false;
        if (rc == 0) {
          try {
            p.summary = stat::read_summary(p.dir + "/stats.json");
            const std::vector<double> steady = steady_latencies(p.dir + "/requests.csv", rules.warmup_fraction);
            p.statistic = latency_statistic(steady, p.slo.statistic);
            p.p50 = latency_statistic(steady, "p50");
            p.p99 = latency_statistic(steady, "p99");
            p.ok = p.summary.complete && !steady.empty();
          } catch (const std::exception&) {
            p.ok = false;
          }
        }
        p.within = p.ok && p.statistic <= p.slo.seconds;
        if (!p.ok) {
          ++failed;
          std::cerr << (tty ? "\n" : "") << label << ": run failed (exit " << rc << "): " << p.dir << " (see " << p.dir
                    << ".log)\n";
        }
        progress.finished(p.ok);
      },
      [&] { progress.tick(); });
  progress.end();
  return failed;
}

const Probe* CapacityTarget::at_capacity() const {
  if (search.capacity() <= 0) return nullptr;
  for (const auto& p : probes)
    if (p.rate == search.capacity() && p.within) return &p;
  return nullptr;
}

int run_capacity_searches(const std::vector<CapacityTarget*>& targets, const CapacityRules& rules,
                          const std::string& exe, int jobs, const std::string& label) {
  int failed = 0;
  // The upper bounds: a saturation run for each target that has none.
  std::vector<Probe*> sat;
  for (CapacityTarget* t : targets) {
    if (t->upper > 0) continue;
    t->saturation.base = t->base;
    t->saturation.overrides = t->overrides;
    t->saturation.rate = 0;
    t->saturation.requests = rules.requests;
    t->saturation.slo = t->slo;
    t->saturation.dir = t->dir + "/saturation";
    sat.push_back(&t->saturation);
  }
  if (!sat.empty()) failed += run_probes(sat, rules, exe, jobs, label + " saturation");
  for (CapacityTarget* t : targets) {
    if (t->upper <= 0) {
      if (!t->saturation.ok || t->saturation.summary.throughput <= 0) {
        t->failed = true;
        continue;
      }
      t->upper = t->saturation.summary.throughput;
    }
    t->search = CapacitySearch(t->upper, rules.tolerance, t->max_probes > 0 ? t->max_probes : rules.max_probes);
  }
  for (int round = 1;; ++round) {
    std::vector<CapacityTarget*> active;
    std::vector<Probe*> batch;
    for (CapacityTarget* t : targets) {
      if (t->failed || t->search.done()) continue;
      active.push_back(t);
    }
    if (active.empty()) break;
    for (CapacityTarget* t : active)  // pointers stay valid
      t->probes.reserve(std::size_t(std::max(rules.max_probes, t->max_probes)));
    for (CapacityTarget* t : active) {
      Probe p;
      p.base = t->base;
      p.overrides = t->overrides;
      p.rate = t->search.next_rate();
      p.requests = rules.requests_at(p.rate, t->slo.seconds);
      p.slo = t->slo;
      char name[32];
      std::snprintf(name, sizeof name, "/probe-%02d", int(t->probes.size()) + 1);
      p.dir = t->dir + name;
      t->probes.push_back(p);
      batch.push_back(&t->probes.back());
    }
    failed += run_probes(batch, rules, exe, jobs, label + " round " + std::to_string(round));
    for (std::size_t i = 0; i < active.size(); ++i) {
      if (!batch[i]->ok) {
        active[i]->failed = true;
        continue;
      }
      active[i]->search.record(batch[i]->within);
    }
  }
  return failed;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace ebatch::cli
