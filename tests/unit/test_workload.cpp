// Unit tests of the request generator (tb/workload.h): length distributions
// against REFERENCE.md section 8, arrival processes, seed determinism, CSV
// request traces (good and bad rows) and the summary. Kernel-free.
// Ignores: statistical power beyond fixed seeds (every draw is deterministic).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "common/errors.h"
#include "tb/workload.h"

namespace ebatch {
namespace {

using Table = std::vector<std::pair<double, double>>;

// LibriSpeech test-clean utterance seconds (REFERENCE.md section 8).
const Table kLibriTestClean = {{0.0, 1.3},   {0.10, 2.7},  {0.25, 3.7},  {0.50, 5.8}, {0.75, 9.6},
                               {0.90, 14.6}, {0.95, 17.8}, {0.99, 25.5}, {1.0, 35.0}};

WorkloadSpec librispeech_spec(std::int64_t n, std::uint64_t seed = 7) {
  WorkloadSpec s;
  s.requests = n;
  s.seed = seed;
  s.lengths.kind = LengthDistribution::Kind::empirical;
  s.lengths.quantiles = kLibriTestClean;
  s.lengths.steps_per_unit = 100;  // 10 ms frames
  s.lengths.table_mean = 7.4;
  return s;
}

std::vector<std::int64_t> lengths_of(const std::vector<Request>& rs) {
  std::vector<std::int64_t> v;
  for (const auto& r : rs) v.push_back(r.length);
  return v;
}

double mean_of(const std::vector<std::int64_t>& v) {
  double sum = 0;
  for (auto x : v) sum += static_cast<double>(x);
  return sum / static_cast<double>(v.size());
}

// Sample quantile (lower order statistic) of sorted values.
std::int64_t sample_quantile(const std::vector<std::int64_t>& sorted, double p) {
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(WorkloadEmpirical, LibriSpeechQuantilesAndMean) {
  auto rs = generate_requests(librispeech_spec(100000));
  ASSERT_EQ(rs.size(), 100000u);
  auto v = lengths_of(rs);
  std::sort(v.begin(), v.end());
  // Inner quantiles: the inverse CDF is exact before rounding to 10 ms steps;
  // sampling error at 100k draws is under 0.6 % at every point, so 2 % holds.
  for (std::size_t i = 1; i + 1 < kLibriTestClean.size(); ++i) {
    const auto [p, value] = kLibriTestClean[i];
    EXPECT_NEAR(sample_quantile(v, p) / 100.0, value, 0.02 * value) << "p" << p * 100;
  }
  EXPECT_GE(v.front(), 130);
  EXPECT_LE(v.back(), 3500);
  EXPECT_NEAR(v.front() / 100.0, 1.3, 0.02 * 1.3);   // the tails are reached
  EXPECT_NEAR(v.back() / 100.0, 35.0, 0.05 * 35.0);  // 1 % of mass spread over 25.5..35
  // The piecewise-linear mean through the table is about 7.59 s, above the
  // dataset's stated 7.4 s (linear interpolation of a convex tail overshoots).
  const double analytic = mean_of_quantile_table(kLibriTestClean);
  EXPECT_NEAR(analytic, 7.59, 0.01);
  const double mean_s = mean_of(v) / 100.0;
  EXPECT_NEAR(mean_s, analytic, 0.01 * analytic);
  EXPECT_NEAR(mean_s, 7.4, 0.05 * 7.4);
}

TEST(WorkloadEmpirical, QuantileTableMean) {
  EXPECT_DOUBLE_EQ(mean_of_quantile_table({{0, 0}, {1, 10}}), 5.0);
  EXPECT_DOUBLE_EQ(mean_of_quantile_table({{0, 2}, {0.5, 2}, {1, 4}}), 0.5 * 2 + 0.5 * 3);
  EXPECT_THROW(mean_of_quantile_table({{0, 1}}), InputError);
  EXPECT_THROW(mean_of_quantile_table({{0.1, 1}, {1, 2}}), InputError);
  EXPECT_THROW(mean_of_quantile_table({{0, 3}, {1, 2}}), InputError);
  EXPECT_THROW(mean_of_quantile_table({{0, 1}, {0.5, 2}, {0.5, 3}, {1, 4}}), InputError);
}

TEST(WorkloadLognormal, ImdbMedianMeanAndClip) {
  const double mean = 237, median = 177, lo = 10, hi = 2487;
  WorkloadSpec s;
  s.requests = 100000;
  s.lengths.kind = LengthDistribution::Kind::lognormal;
  s.lengths.mu = std::log(median);
  s.lengths.sigma = std::sqrt(2 * std::log(mean / median));
  s.lengths.min = lo;
  s.lengths.max = hi;
  auto v = lengths_of(generate_requests(s));
  std::sort(v.begin(), v.end());
  EXPECT_GE(v.front(), 10);
  EXPECT_LE(v.back(), 2487);
  EXPECT_NEAR(static_cast<double>(sample_quantile(v, 0.5)), median, 0.02 * median);
  // Expected mean of the clamped lognormal, in closed form.
  const double mu = s.lengths.mu, sg = s.lengths.sigma;
  const double a = (std::log(lo) - mu) / sg, b = (std::log(hi) - mu) / sg;
  const double clipped = lo * normal_cdf(a) + std::exp(mu + sg * sg / 2) * (normal_cdf(b - sg) - normal_cdf(a - sg)) +
                         hi * (1 - normal_cdf(b));
  EXPECT_NEAR(clipped, mean, 0.03 * mean);  // clipping shifts the mean only slightly
  EXPECT_NEAR(mean_of(v), clipped, 0.01 * clipped);
  EXPECT_NEAR(mean_of(v), mean, 0.03 * mean);
}

TEST(WorkloadUniform, HitsEveryValueInsideBounds) {
  WorkloadSpec s;
  s.requests = 20000;
  s.lengths.kind = LengthDistribution::Kind::uniform;
  s.lengths.min = 0.05;  // seconds; 100 steps/s -> 5..12 steps
  s.lengths.max = 0.12;
  s.lengths.steps_per_unit = 100;
  auto v = lengths_of(generate_requests(s));
  std::vector<int> hits(13, 0);
  for (auto x : v) {
    ASSERT_GE(x, 5);
    ASSERT_LE(x, 12);
    ++hits[static_cast<std::size_t>(x)];
  }
  for (int k = 5; k <= 12; ++k) EXPECT_GT(hits[static_cast<std::size_t>(k)], 2000) << k;
  EXPECT_NEAR(mean_of(v), 8.5, 0.02 * 8.5);
}

TEST(WorkloadFixed, AllSameAndAtLeastOneStep) {
  WorkloadSpec s;
  s.requests = 10;
  s.lengths.kind = LengthDistribution::Kind::fixed;
  s.lengths.value = 2.345;
  s.lengths.steps_per_unit = 100;
  auto rs = generate_requests(s);
  ASSERT_EQ(rs.size(), 10u);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(rs[i].id, static_cast<std::int64_t>(i));
    EXPECT_EQ(rs[i].length, 235);  // llround(234.5)
    EXPECT_EQ(rs[i].arrival_s, 0.0);
  }
  s.lengths.value = 0.001;  // rounds to 0 steps -> clamped to 1
  EXPECT_EQ(generate_requests(s).front().length, 1);
}

TEST(WorkloadSpecErrors, InvalidSpecsThrowInputError) {
  WorkloadSpec s = librispeech_spec(10);
  s.requests = -1;
  EXPECT_THROW(generate_requests(s), InputError);
  s = librispeech_spec(10);
  s.lengths.steps_per_unit = 0;
  EXPECT_THROW(generate_requests(s), InputError);
  s = librispeech_spec(10);
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 0;
  EXPECT_THROW(generate_requests(s), InputError);
  s = librispeech_spec(10);
  s.lengths.kind = LengthDistribution::Kind::uniform;
  s.lengths.min = 5;
  s.lengths.max = 4;
  EXPECT_THROW(generate_requests(s), InputError);
  s = librispeech_spec(10);
  s.lengths.kind = LengthDistribution::Kind::trace;  // no trace_path
  EXPECT_THROW(generate_requests(s), InputError);
  EXPECT_TRUE(generate_requests(librispeech_spec(0)).empty());
}

TEST(WorkloadArrivals, PoissonInterArrivals) {
  WorkloadSpec s = librispeech_spec(100000);
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 1000;
  auto rs = generate_requests(s);
  std::vector<double> gaps;
  double prev = 0;  // the process starts at 0: the first gap is the first arrival
  for (const auto& r : rs) {
    ASSERT_GE(r.arrival_s, prev);
    gaps.push_back(r.arrival_s - prev);
    prev = r.arrival_s;
  }
  EXPECT_GT(rs.front().arrival_s, 0.0);
  double sum = 0, sq = 0;
  for (double g : gaps) sum += g;
  const double mean = sum / static_cast<double>(gaps.size());
  for (double g : gaps) sq += (g - mean) * (g - mean);
  const double cv = std::sqrt(sq / static_cast<double>(gaps.size() - 1)) / mean;
  EXPECT_NEAR(mean, 1e-3, 0.02e-3);
  EXPECT_NEAR(cv, 1.0, 0.02);
}

TEST(WorkloadArrivals, AllAtZero) {
  auto rs = generate_requests(librispeech_spec(100));
  for (const auto& r : rs) EXPECT_EQ(r.arrival_s, 0.0);
}

TEST(WorkloadDeterminism, SameSeedSameRequestsDifferentSeedDifferent) {
  WorkloadSpec s = librispeech_spec(1000, 5);
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 50;
  auto a = generate_requests(s), b = generate_requests(s);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].length, b[i].length);
    EXPECT_EQ(a[i].arrival_s, b[i].arrival_s);
  }
  s.seed = 6;
  auto c = generate_requests(s);
  EXPECT_NE(lengths_of(a), lengths_of(c));
  EXPECT_NE(a.back().arrival_s, c.back().arrival_s);
}

TEST(WorkloadDeterminism, ArrivalProcessDoesNotChangeLengths) {
  WorkloadSpec s = librispeech_spec(1000, 11);
  const auto at_zero = lengths_of(generate_requests(s));
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 200;
  EXPECT_EQ(lengths_of(generate_requests(s)), at_zero);
  s.arrivals.rate_per_s = 3;
  EXPECT_EQ(lengths_of(generate_requests(s)), at_zero);
}

// Pinned values measured once from this implementation (Boost 1.74,
// mt19937_64, SplitMix64 stream seeds). They guard cross-platform and
// regression determinism: a change here changes every experiment's stimulus.
TEST(WorkloadDeterminism, PinnedValuesForSeed42) {
  WorkloadSpec s = librispeech_spec(5, 42);
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 100;
  auto rs = generate_requests(s);
  const std::int64_t lengths[5] = {165, 359, 809, 742, 760};
  const double arrivals[5] = {0.00028176259531821136, 0.0051841685580822378, 0.029000128682920234, 0.047514592872845748,
                              0.058349962774653347};
  ASSERT_EQ(rs.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(rs[i].id, static_cast<std::int64_t>(i));
    EXPECT_EQ(rs[i].length, lengths[i]) << i;
    EXPECT_NEAR(rs[i].arrival_s, arrivals[i], 1e-12 * arrivals[i]) << i;
  }
}

// ---- traces ----

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "ebatch_wl_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Expects InputError whose message contains "<path>:<line>: " and `reason`.
void expect_trace_error(const std::string& content, int line, const std::string& reason) {
  const std::string path = temp_file("bad.csv", content);
  try {
    read_request_trace(path);
    ADD_FAILURE() << "no error for:\n" << content;
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path + ":" + std::to_string(line) + ": "), std::string::npos) << msg;
    EXPECT_NE(msg.find(reason), std::string::npos) << msg;
  }
  std::remove(path.c_str());
}

TEST(TraceReader, GoodFileWithCommentsCrlfAndBlankLines) {
  const std::string path = temp_file("good.csv",
                                     "# recorded 2024\r\nid,arrival_s,length  \r\n7,0,120\r\n3, 0.5 ,80 \r\n"
                                     "# a comment\r\n9,0.5,1\r\n11,2.25e0,4000\r\n\r\n\n");
  auto rs = read_request_trace(path);
  std::remove(path.c_str());
  ASSERT_EQ(rs.size(), 4u);
  EXPECT_EQ(rs[0].id, 7);
  EXPECT_EQ(rs[0].arrival_s, 0.0);
  EXPECT_EQ(rs[0].length, 120);
  EXPECT_EQ(rs[1].id, 3);
  EXPECT_EQ(rs[1].arrival_s, 0.5);
  EXPECT_EQ(rs[2].length, 1);
  EXPECT_EQ(rs[3].arrival_s, 2.25);
  EXPECT_EQ(rs[3].length, 4000);
}

TEST(TraceReader, NoFinalNewline) {
  auto rs = parse_request_trace("id,arrival_s,length\n0,0,5", "mem");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].length, 5);
}

TEST(TraceReader, BadHeader) {
  expect_trace_error("id,arrival,length\n0,0,5\n", 1, "expected the header 'id,arrival_s,length'");
  for (const char* text : {"", "# only a comment\r\n\n  \n"}) {
    try {
      parse_request_trace(text, "empty.csv");
      ADD_FAILURE();
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("empty.csv: empty request trace"), std::string::npos);
    }
  }
}

TEST(TraceReader, HeaderOnlyHasNoRows) {
  EXPECT_THROW(parse_request_trace("id,arrival_s,length\n", "t.csv"), InputError);
}

TEST(TraceReader, WrongColumnCount) {
  expect_trace_error("id,arrival_s,length\n0,0,5\n1,0.1\n", 3, "expected 3 columns");
  expect_trace_error("id,arrival_s,length\n0,0,5,9\n", 2, "got 4");
}

TEST(TraceReader, NonNumericFields) {
  expect_trace_error("id,arrival_s,length\nx,0,5\n", 2, "id must be a non-negative integer");
  expect_trace_error("id,arrival_s,length\n0,soon,5\n", 2, "arrival_s must be a number");
  expect_trace_error("id,arrival_s,length\n0,0,5.5\n", 2, "length must be a positive integer, got '5.5'");
  expect_trace_error("id,arrival_s,length\n0,0,\x01\xff\n", 2, "got '\\x01\\xff'");
}

TEST(TraceReader, NegativeOrNonFiniteArrival) {
  expect_trace_error("id,arrival_s,length\n0,-1,5\n", 2, "arrival_s must be >= 0, got '-1'");
  expect_trace_error("id,arrival_s,length\n0,inf,5\n", 2, "arrival_s must be finite");
  expect_trace_error("id,arrival_s,length\n0,nan,5\n", 2, "arrival_s must be finite");
  expect_trace_error("id,arrival_s,length\n0,1e999,5\n", 2, "arrival_s must be a number");
}

TEST(TraceReader, LengthBelowOne) {
  expect_trace_error("id,arrival_s,length\n0,0,5\n1,0,0\n", 3, "length must be a positive integer, got '0'");
  expect_trace_error("id,arrival_s,length\n0,0,-3\n", 2, "length must be a positive integer");
  expect_trace_error("id,arrival_s,length\n0,0,99999999999\n", 2, "length must be at most");
}

TEST(TraceReader, DuplicateId) {
  expect_trace_error("id,arrival_s,length\n4,0,5\n# c\n4,1,5\n", 4, "duplicate id 4 (first on line 2)");
}

TEST(TraceReader, UnsortedArrivalsRejected) {
  expect_trace_error("id,arrival_s,length\n0,2,5\n1,1.5,5\n", 3, "arrival_s 1.5 is earlier than the previous row's 2");
}

TEST(TraceReader, MissingFileNamesIt) {
  const std::string path = ::testing::TempDir() + "ebatch_wl_no_such_trace.csv";
  try {
    read_request_trace(path);
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(TraceReader, SurvivesArbitraryBytes) {
  // A cheap stand-in for the fuzzer: every prefix of a nasty input either
  // parses or throws InputError.
  const std::string nasty = std::string("\xEF\xBB\xBFid,arrival_s,length\n1,1e308,2\n2,,\n") +
                            std::string("\0,\0,\0\n", 6) + "3,0x1p3,4\n,,,,,,,\r\r\n-0,-0,1";
  for (std::size_t n = 0; n <= nasty.size(); ++n) {
    try {
      parse_request_trace(nasty.substr(0, n), "fuzz");
    } catch (const InputError&) {
    }
  }
}

TEST(WorkloadTrace, TraceLengthsWithGeneratedArrivalsKeepIds) {
  const std::string path = temp_file("mix.csv", "id,arrival_s,length\n10,0,100\n20,0.1,200\n30,0.2,300\n");
  WorkloadSpec s;
  s.trace_path = path;
  s.lengths.kind = LengthDistribution::Kind::trace;
  s.arrivals.kind = ArrivalProcess::Kind::poisson;
  s.arrivals.rate_per_s = 10;
  s.requests = 2;  // the first two rows
  auto rs = generate_requests(s);
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].id, 10);
  EXPECT_EQ(rs[1].id, 20);
  EXPECT_EQ(rs[0].length, 100);
  EXPECT_EQ(rs[1].length, 200);
  EXPECT_GT(rs[0].arrival_s, 0.0);  // poisson, not the trace's 0
  EXPECT_GE(rs[1].arrival_s, rs[0].arrival_s);

  // Trace arrivals with generated lengths; requests = 0 takes every row.
  s.requests = 0;
  s.lengths.kind = LengthDistribution::Kind::fixed;
  s.lengths.value = 7;
  s.arrivals.kind = ArrivalProcess::Kind::trace;
  rs = generate_requests(s);
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[2].id, 30);
  EXPECT_EQ(rs[2].arrival_s, 0.2);
  EXPECT_EQ(rs[2].length, 7);

  s.requests = 4;  // more than the trace holds
  EXPECT_THROW(generate_requests(s), InputError);
  std::remove(path.c_str());
}

TEST(WorkloadSummary, StatisticsAndText) {
  std::vector<Request> rs;
  for (int i = 0; i < 100; ++i) rs.push_back({i, 0.5 * i, i + 1});  // lengths 1..100
  auto s = summarize(rs);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.mean_length, 50.5);
  EXPECT_EQ(s.min_length, 1);
  EXPECT_EQ(s.max_length, 100);
  EXPECT_EQ(s.p50_length, 50);
  EXPECT_EQ(s.p90_length, 90);
  EXPECT_EQ(s.p95_length, 95);
  EXPECT_EQ(s.p99_length, 99);
  EXPECT_EQ(s.total_steps, 5050);
  EXPECT_EQ(s.first_arrival_s, 0.0);
  EXPECT_EQ(s.last_arrival_s, 49.5);
  EXPECT_DOUBLE_EQ(s.offered_rate_per_s, 2.0);
  const std::string text = format_summary(s);
  EXPECT_NE(text.find("requests: 100"), std::string::npos) << text;
  EXPECT_NE(text.find("p99 99"), std::string::npos) << text;
  EXPECT_NE(text.find("offered rate 2 /s"), std::string::npos) << text;

  EXPECT_EQ(summarize({}).count, 0);
  EXPECT_EQ(format_summary(summarize({})), "requests: 0\n");
  auto burst = summarize(generate_requests(librispeech_spec(10)));
  EXPECT_EQ(burst.offered_rate_per_s, 0.0);
  EXPECT_NE(format_summary(burst).find("all at 0 s"), std::string::npos);
}

// Issue 17: arrivals past the simulated time range (1e6 s) would make the run wait forever.
TEST(WorkloadSpecErrors, ArrivalsBeyondTheSimulatedTimeRangeAreRefused) {
  WorkloadSpec w = librispeech_spec(3);
  w.arrivals.kind = ArrivalProcess::Kind::poisson;
  w.arrivals.rate_per_s = 1e-300;
  try {
    generate_requests(w);
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'workload.arrivals.rate': the last of 3 requests arrives at"),
              std::string::npos)
        << e.what();
  }
  w.arrivals.rate_per_s = 1.0;
  EXPECT_EQ(generate_requests(w).size(), 3u);
  EXPECT_THROW(parse_request_trace("id,arrival_s,length\n0,9.3e6,3\n", "t.csv"), InputError);
}

}  // namespace
}  // namespace ebatch
