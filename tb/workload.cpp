// The request generator: length distributions, arrival processes, CSV request
// traces and workload summaries. See workload.h for the decisions (seeding,
// Poisson start, sorted traces). Needs no SystemC kernel.
//
// Ignored: spec.lengths.source and table_mean (report-only).
#include "tb/workload.h"

#include <algorithm>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <unordered_map>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/units.h"

namespace ebatch {
namespace {

constexpr std::uint64_t kLengthStreamTag = 0x6c656e6774687321ULL;   // "lengths!"
constexpr std::uint64_t kArrivalStreamTag = 0x6172726976616c73ULL;  // "arrivals"
constexpr std::uint64_t kTargetStreamTag = 0x7461726765747321ULL;   // "targets!"
constexpr const char* kTraceHeader = "id,arrival_s,length";

using Engine = boost::random::mt19937_64;

// SplitMix64 finalizer (Steele, Lea, Flood 2014): spreads nearby seeds apart.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Shortest text that reads back as the same double.
std::string num(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

[[noreturn]] void spec_error(const std::string& reason) { throw InputError("workload: " + reason); }

void require_finite(double v, const char* what) {
  if (!std::isfinite(v)) spec_error(std::string(what) + " must be finite, got " + num(v));
}

// value (in the distribution's unit) -> time-steps.
std::int64_t to_steps(double value, double steps_per_unit) {
  const double x = value * steps_per_unit;
  if (!(x <= static_cast<double>(kMaxRequestLength))) {
    spec_error("key 'workload.lengths': length " + num(value) + " x steps_per_unit " + num(steps_per_unit) +
               " exceeds the maximum of " + std::to_string(kMaxRequestLength) + " steps");
  }
  if (x < 1) return 1;
  return std::llround(x);
}

void validate_quantiles(const std::vector<std::pair<double, double>>& q) {
  if (q.size() < 2) spec_error("an empirical quantile table needs at least 2 points");
  if (q.front().first != 0.0 || q.back().first != 1.0) {
    spec_error("empirical quantile probabilities must run from 0 to 1");
  }
  for (std::size_t i = 0; i < q.size(); ++i) {
    require_finite(q[i].second, "an empirical quantile value");
    if (i > 0 && !(q[i].first > q[i - 1].first)) {
      spec_error("empirical quantile probabilities must be strictly increasing");
    }
    if (i > 0 && q[i].second < q[i - 1].second) {
      spec_error("empirical quantile values must be non-decreasing");
    }
  }
}

// Inverse CDF through the points, at u in [0, 1).
double empirical_value(const std::vector<std::pair<double, double>>& q, double u) {
  auto it = std::upper_bound(q.begin(), q.end(), u, [](double x, const auto& p) { return x < p.first; });
  std::size_t i = static_cast<std::size_t>(it - q.begin());
  i = std::clamp<std::size_t>(i, 1, q.size() - 1) - 1;
  const auto& [p0, v0] = q[i];
  const auto& [p1, v1] = q[i + 1];
  const double f = std::clamp((u - p0) / (p1 - p0), 0.0, 1.0);
  return v0 + f * (v1 - v0);
}

std::vector<std::int64_t> generate_lengths(const LengthDistribution& d, std::int64_t n, std::uint64_t seed) {
  require_finite(d.steps_per_unit, "lengths.steps_per_unit");
  if (!(d.steps_per_unit > 0)) spec_error("lengths.steps_per_unit must be > 0");
  Engine eng(splitmix64(seed ^ kLengthStreamTag));
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(n));
  using K = LengthDistribution::Kind;
  switch (d.kind) {
    case K::empirical: {
      validate_quantiles(d.quantiles);
      to_steps(d.quantiles.back().second, d.steps_per_unit);  // range check once
      boost::random::uniform_real_distribution<double> uni(0.0, 1.0);
      for (std::int64_t i = 0; i < n; ++i) {
        out.push_back(to_steps(empirical_value(d.quantiles, uni(eng)), d.steps_per_unit));
      }
      break;
    }
    case K::lognormal: {
      require_finite(d.mu, "lengths.mu");
      require_finite(d.sigma, "lengths.sigma");
      require_finite(d.min, "lengths.min");
      require_finite(d.max, "lengths.max");
      if (d.sigma < 0) spec_error("lengths.sigma must be >= 0");
      const bool clip_max = d.max != 0;
      if (clip_max && d.max < d.min) spec_error("lengths.max must be >= lengths.min");
      if (clip_max) to_steps(d.max, d.steps_per_unit);  // range check once
      boost::random::normal_distribution<double> normal(d.mu, d.sigma);
      for (std::int64_t i = 0; i < n; ++i) {
        double v = std::max(std::exp(normal(eng)), d.min);
        if (clip_max) v = std::min(v, d.max);
        out.push_back(to_steps(v, d.steps_per_unit));
      }
      break;
    }
    case K::uniform: {
      require_finite(d.min, "lengths.min");
      require_finite(d.max, "lengths.max");
      if (d.max < d.min) spec_error("lengths.max must be >= lengths.min");
      const std::int64_t lo = to_steps(d.min, d.steps_per_unit);
      const std::int64_t hi = to_steps(d.max, d.steps_per_unit);
      boost::random::uniform_int_distribution<std::int64_t> uni(lo, hi);
      for (std::int64_t i = 0; i < n; ++i) out.push_back(uni(eng));
      break;
    }
    case K::fixed: {
      require_finite(d.value, "lengths.value");
      out.assign(static_cast<std::size_t>(n), to_steps(d.value, d.steps_per_unit));
      break;
    }
    case K::trace:
      spec_error("internal: trace lengths are not generated");
  }
  return out;
}

std::vector<double> generate_arrivals(const ArrivalProcess& a, std::int64_t n, std::uint64_t seed) {
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(n));
  using K = ArrivalProcess::Kind;
  switch (a.kind) {
    case K::all_at_zero:
      out.assign(static_cast<std::size_t>(n), 0.0);
      break;
    case K::poisson: {
      require_finite(a.rate_per_s, "arrivals.rate_per_s");
      if (!(a.rate_per_s > 0)) spec_error("arrivals.rate_per_s must be > 0 for poisson arrivals");
      Engine eng(splitmix64(seed ^ kArrivalStreamTag));
      boost::random::exponential_distribution<double> gap(a.rate_per_s);
      double t = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        t += gap(eng);  // first arrival after one gap, not at 0
        out.push_back(t);
      }
      break;
    }
    case K::trace:
      spec_error("internal: trace arrivals are not generated");
  }
  return out;
}

// ---- trace parsing ----

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The offending text for a message: printable ASCII kept, other bytes as \xNN,
// at most 40 characters.
std::string quote(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > kMax) out += "...";
  return out + "'";
}

bool parse_int(std::string_view s, std::int64_t& v) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double& v) {
  if (s.empty()) return false;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  return res.ec == std::errc() && res.ptr == s.data() + s.size();
}

}  // namespace

std::vector<Request> parse_request_trace(std::string_view text, const std::string& name) {
  auto fail = [&](std::size_t line, const std::string& reason) {
    throw InputError(name + ":" + std::to_string(line) + ": " + reason);
  };
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM

  std::vector<Request> out;
  std::unordered_map<std::int64_t, std::size_t> id_line;
  bool have_header = false;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;

    // Split on commas, trimming each field.
    const auto columns = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    std::string_view f[3];
    if (columns == 3) {
      const std::size_t c1 = line.find(',');
      const std::size_t c2 = line.find(',', c1 + 1);
      f[0] = trim(line.substr(0, c1));
      f[1] = trim(line.substr(c1 + 1, c2 - c1 - 1));
      f[2] = trim(line.substr(c2 + 1));
    }

    if (!have_header) {
      if (columns != 3 || f[0] != "id" || f[1] != "arrival_s" || f[2] != "length") {
        fail(line_no, std::string("expected the header '") + kTraceHeader + "', got " + quote(line));
      }
      have_header = true;
      continue;
    }
    if (columns != 3) {
      fail(line_no, "expected 3 columns (" + std::string(kTraceHeader) + "), got " + std::to_string(columns));
    }
    Request r;
    if (!parse_int(f[0], r.id) || r.id < 0) {
      fail(line_no, "id must be a non-negative integer, got " + quote(f[0]));
    }
    if (!parse_double(f[1], r.arrival_s)) {
      fail(line_no, "arrival_s must be a number of seconds, got " + quote(f[1]));
    }
    if (!std::isfinite(r.arrival_s)) fail(line_no, "arrival_s must be finite, got " + quote(f[1]));
    if (r.arrival_s < 0) fail(line_no, "arrival_s must be >= 0, got " + quote(f[1]));
    if (r.arrival_s > units::kMaxSimulatedSeconds)
      fail(line_no, "arrival_s " + quote(f[1]) + " is beyond the longest simulated time, " +
                        units::format_time(units::kMaxSimulatedSeconds));
    r.arrival_s += 0.0;  // -0 -> +0
    if (!parse_int(f[2], r.length) || r.length < 1) {
      fail(line_no, "length must be a positive integer, got " + quote(f[2]));
    }
    if (r.length > kMaxRequestLength) {
      fail(line_no, "length must be at most " + std::to_string(kMaxRequestLength) + " steps, got " + quote(f[2]));
    }
    auto [it, inserted] = id_line.emplace(r.id, line_no);
    if (!inserted) {
      fail(line_no, "duplicate id " + std::to_string(r.id) + " (first on line " + std::to_string(it->second) + ")");
    }
    if (!out.empty() && r.arrival_s < out.back().arrival_s) {
      fail(line_no, "arrival_s " + num(r.arrival_s) + " is earlier than the previous row's " +
                        num(out.back().arrival_s) + "; rows must be sorted by arrival_s");
    }
    out.push_back(r);
  }
  if (!have_header) {
    throw InputError(name + ": empty request trace, expected the header '" + std::string(kTraceHeader) + "'");
  }
  if (out.empty()) throw InputError(name + ": request trace has no rows after the header");
  return out;
}

std::vector<Request> read_request_trace(const std::string& path) {
  return parse_request_trace(read_input_file(path, "request trace"), path);
}

std::vector<Request> generate_requests(const WorkloadSpec& spec) {
  if (spec.requests < 0) spec_error("requests must be >= 0, got " + std::to_string(spec.requests));
  const bool trace_lengths = spec.lengths.kind == LengthDistribution::Kind::trace;
  const bool trace_arrivals = spec.arrivals.kind == ArrivalProcess::Kind::trace;

  std::vector<Request> out;
  if (trace_lengths || trace_arrivals) {
    if (spec.trace_path.empty()) {
      spec_error("trace_path is required when lengths or arrivals come from a trace");
    }
    out = read_request_trace(spec.trace_path);
    if (spec.requests > 0) {
      if (static_cast<std::uint64_t>(spec.requests) > out.size()) {
        throw InputError(spec.trace_path + ": workload asks for " + std::to_string(spec.requests) +
                         " requests but the trace has only " + std::to_string(out.size()) + " rows");
      }
      out.resize(static_cast<std::size_t>(spec.requests));
    }
  } else {
    out.resize(static_cast<std::size_t>(spec.requests));
    for (std::size_t i = 0; i < out.size(); ++i) out[i].id = static_cast<std::int64_t>(i);
  }

  const auto n = static_cast<std::int64_t>(out.size());
  if (!trace_lengths) {
    const auto lengths = generate_lengths(spec.lengths, n, spec.seed);
    for (std::size_t i = 0; i < out.size(); ++i) out[i].length = lengths[i];
  }
  if (!trace_arrivals) {
    const auto arrivals = generate_arrivals(spec.arrivals, n, spec.seed);
    for (std::size_t i = 0; i < out.size(); ++i) out[i].arrival_s = arrivals[i];
    if (!arrivals.empty() && !(arrivals.back() <= units::kMaxSimulatedSeconds))
      spec_error("key 'workload.arrivals.rate': the last of " + std::to_string(out.size()) + " requests arrives at " +
                 units::format_time(arrivals.back()) + ", beyond the longest simulated time, " +
                 units::format_time(units::kMaxSimulatedSeconds));
  }
  return out;
}

OutputLengths hide_output_lengths(const WorkloadSpec& spec, const NetworkSpec& network,
                                  std::vector<Request>& requests) {
  OutputLengths truth;
  if (!network.autoregressive) return truth;
  const DecodingSpec& d = spec.decoding;
  Engine eng(splitmix64(spec.seed ^ kTargetStreamTag));
  boost::random::normal_distribution<double> ratio(std::log(d.ratio_median), d.ratio_sigma);
  truth.reserve(requests.size());
  for (Request& r : requests) {
    std::int64_t target = r.length, most = d.max_length;
    if (network.encoder_decoder()) {
      r.source_length = r.length;
      most =
          std::min<std::int64_t>(most, std::int64_t(std::ceil(d.max_factor * double(r.source_length))) + d.max_offset);
      most = std::max<std::int64_t>(most, 1);
      target = std::llround(double(r.source_length) * std::exp(ratio(eng)));
    }
    truth[r.id] = std::clamp<std::int64_t>(target, 1, most);
    r.length = most;
  }
  return truth;
}

double mean_of_quantile_table(const std::vector<std::pair<double, double>>& quantiles) {
  validate_quantiles(quantiles);
  double mean = 0;
  for (std::size_t i = 1; i < quantiles.size(); ++i) {
    const auto& [p0, v0] = quantiles[i - 1];
    const auto& [p1, v1] = quantiles[i];
    mean += (p1 - p0) * 0.5 * (v0 + v1);  // uniform within each segment
  }
  return mean;
}

WorkloadSummary summarize(const std::vector<Request>& requests) {
  WorkloadSummary s;
  s.count = static_cast<std::int64_t>(requests.size());
  if (requests.empty()) return s;

  std::vector<std::int64_t> lengths;
  lengths.reserve(requests.size());
  double sum = 0;
  s.first_arrival_s = s.last_arrival_s = requests.front().arrival_s;
  for (const Request& r : requests) {
    lengths.push_back(r.length);
    sum += static_cast<double>(r.length);
    std::int64_t total;
    s.total_steps = __builtin_add_overflow(s.total_steps, r.length, &total)
                        ? std::numeric_limits<std::int64_t>::max()  // saturate, never UB
                        : total;
    s.first_arrival_s = std::min(s.first_arrival_s, r.arrival_s);
    s.last_arrival_s = std::max(s.last_arrival_s, r.arrival_s);
  }
  s.mean_length = sum / static_cast<double>(s.count);

  std::sort(lengths.begin(), lengths.end());
  const std::size_t n = lengths.size();
  auto nearest_rank = [&](std::size_t pct) {
    const std::size_t rank = std::max<std::size_t>(1, (pct * n + 99) / 100);  // ceil(pct% of n)
    return lengths[std::min(rank, n) - 1];
  };
  s.min_length = lengths.front();
  s.max_length = lengths.back();
  s.p50_length = nearest_rank(50);
  s.p90_length = nearest_rank(90);
  s.p95_length = nearest_rank(95);
  s.p99_length = nearest_rank(99);

  const double span = s.last_arrival_s - s.first_arrival_s;
  if (s.count >= 2 && span > 0) s.offered_rate_per_s = static_cast<double>(s.count - 1) / span;
  return s;
}

std::string format_summary(const WorkloadSummary& s) {
  char buf[512];
  std::string out = "requests: " + std::to_string(s.count) + "\n";
  if (s.count == 0) return out;
  std::snprintf(buf, sizeof buf,
                "lengths (steps): mean %.1f, min %lld, p50 %lld, p90 %lld, p95 %lld, p99 %lld, "
                "max %lld\n",
                s.mean_length, static_cast<long long>(s.min_length), static_cast<long long>(s.p50_length),
                static_cast<long long>(s.p90_length), static_cast<long long>(s.p95_length),
                static_cast<long long>(s.p99_length), static_cast<long long>(s.max_length));
  out += buf;
  out += "total steps: " + std::to_string(s.total_steps) + "\n";
  if (s.offered_rate_per_s > 0) {
    std::snprintf(buf, sizeof buf, "arrivals: first %.6g s, last %.6g s, offered rate %.6g /s\n", s.first_arrival_s,
                  s.last_arrival_s, s.offered_rate_per_s);
  } else {
    std::snprintf(buf, sizeof buf, "arrivals: all at %.6g s\n", s.first_arrival_s);
  }
  out += buf;
  return out;
}

}  // namespace ebatch
