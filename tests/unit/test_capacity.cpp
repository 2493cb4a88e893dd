// Capacity at an SLO (tools/capacity.h) without simulating: the SLO syntax, the latency
// statistics, the warm-up rule and the bisection, each on a case worked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/errors.h"
#include "tests/test_support.h"
#include "tools/capacity.h"

using ebatch::InputError;
using namespace ebatch::cli;  // NOLINT(google-build-using-namespace): the code under test

TEST(Capacity, SloParsesStatisticAndBound) {
  const Slo s = parse_slo("p99=2s", "--slo");
  EXPECT_EQ(s.statistic, "p99");
  EXPECT_DOUBLE_EQ(s.seconds, 2.0);
  EXPECT_DOUBLE_EQ(parse_slo("mean=250 ms", "--slo").seconds, 0.25);
  EXPECT_EQ(parse_slo("p95=1.5s", "x").statistic, "p95");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"p99", "is not STAT=TIME"},
      {"p98=2s", "unknown latency statistic 'p98'"},
      {"p99=2", "'2'"},
      {"p99=2 parsecs", "unknown unit"},
      {"p99=0s", "must be above 0 s"},
      {"=2s", "unknown latency statistic ''"},
  };
  for (const auto& [text, why] : bad) {
    try {
      parse_slo(text, "ebatch capacity: --slo");
      ADD_FAILURE() << text << " was accepted";
    } catch (const InputError& e) {
      EXPECT_CONTAINS(e.what(), "ebatch capacity: --slo");
      EXPECT_CONTAINS(e.what(), why);
    }
  }
}

// Ten latencies 1..10 s. Nearest rank: p50 = the ceil(0.5 x 10) = 5th smallest = 5 s; p90 the
// 9th = 9 s; p95 and p99 the 10th (ceil 9.5 = 10, ceil 9.9 = 10) = 10 s; mean 5.5 s; max 10 s.
TEST(Capacity, LatencyStatisticsAreNearestRank) {
  std::vector<double> v = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
  EXPECT_DOUBLE_EQ(latency_statistic(v, "p50"), 5);
  EXPECT_DOUBLE_EQ(latency_statistic(v, "p90"), 9);
  EXPECT_DOUBLE_EQ(latency_statistic(v, "p95"), 10);
  EXPECT_DOUBLE_EQ(latency_statistic(v, "p99"), 10);
  EXPECT_DOUBLE_EQ(latency_statistic(v, "mean"), 5.5);
  EXPECT_DOUBLE_EQ(latency_statistic(v, "max"), 10);
  EXPECT_DOUBLE_EQ(latency_statistic({}, "p99"), 0);
}

// Ten requests, warm-up 0.2: ids 0 and 1 (the first ceil(0.2 x 10) = 2 by arrival) go, in
// whatever order the file lists them; an unfinished request (no latency) counts nowhere.
TEST(Capacity, WarmupDiscardsTheFirstRequestsByArrival) {
  const std::string dir = ebatch::test::scratch_dir("capacity_csv");
  std::string csv = "id,length,arrival_s,start_s,finish_s,latency_s,slot\n";
  for (int id : {3, 0, 9, 1, 2, 4, 5, 6, 7, 8})
    csv +=
        std::to_string(id) + ",10," + std::to_string(id) + ",0,0," + (id == 9 ? "" : std::to_string(100 + id)) + ",0\n";
  ebatch::test::write_file(dir + "/requests.csv", csv);
  std::vector<double> steady = steady_latencies(dir + "/requests.csv", 0.2);
  std::sort(steady.begin(), steady.end());
  EXPECT_EQ(steady, (std::vector<double>{102, 103, 104, 105, 106, 107, 108}));
  EXPECT_EQ(steady_latencies(dir + "/requests.csv", 0.0).size(), 9u);
  ebatch::test::write_file(dir + "/bad.csv", "id,length\n1,2\n");
  EXPECT_THROW(steady_latencies(dir + "/bad.csv", 0.2), std::runtime_error);
}

// Upper bound 100/s, a system that meets the SLO up to 37/s, tolerance 5%:
//   probe 1 at 100 (the bound) fails   -> [0, 100]
//   probe 2 at 50 fails                -> [0, 50]
//   probe 3 at 25 passes               -> [25, 50]
//   probe 4 at 37.5 fails              -> [25, 37.5]
//   probe 5 at 31.25 passes            -> [31.25, 37.5]   width 6.25 > 0.05 x 37.5 = 1.875
//   probe 6 at 34.375 passes           -> [34.375, 37.5]  width 3.125
//   probe 7 at 35.9375 passes          -> [35.9375, 37.5] width 1.5625 <= 1.875: done
// Capacity 35.9375/s, within 3% of the true 37.
TEST(Capacity, BisectionFromTheSaturationBound) {
  CapacitySearch s(100, 0.05, 20);
  std::vector<double> rates;
  while (!s.done()) {
    rates.push_back(s.next_rate());
    s.record(s.next_rate() <= 37);
  }
  EXPECT_EQ(rates, (std::vector<double>{100, 50, 25, 37.5, 31.25, 34.375, 35.9375}));
  EXPECT_DOUBLE_EQ(s.capacity(), 35.9375);
  EXPECT_EQ(s.probes(), 7);
  // The same with at most 4 probes: [25, 37.5] after probe 4, capacity 25.
  CapacitySearch short_search(100, 0.05, 4);
  while (!short_search.done()) short_search.record(short_search.next_rate() <= 37);
  EXPECT_DOUBLE_EQ(short_search.capacity(), 25);
  EXPECT_FALSE(s.unbounded());
  // A system that carries 370/s, above the saturation bound of 100 (an all-at-time-zero run
  // drains its last requests with slots idle): bracketing upwards, then bisection.
  //   100 passes, 200 passes, 400 fails -> [200, 400]; 300 passes; 350 passes -> [350, 400]
  //   (width 50 > 0.05 x 400 = 20); 375 fails -> [350, 375] (25 > 18.75); 362.5 passes ->
  //   [362.5, 375] (12.5 <= 18.75): done after 7 probes, capacity 362.5.
  CapacitySearch up(100, 0.05, 20);
  rates.clear();
  while (!up.done()) {
    rates.push_back(up.next_rate());
    up.record(up.next_rate() <= 370);
  }
  EXPECT_EQ(rates, (std::vector<double>{100, 200, 400, 300, 350, 375, 362.5}));
  EXPECT_DOUBLE_EQ(up.capacity(), 362.5);
  // Out of probes before anything failed: the capacity is a lower bound.
  CapacitySearch loose(100, 0.05, 2);
  while (!loose.done()) loose.record(true);
  EXPECT_TRUE(loose.unbounded());
  EXPECT_DOUBLE_EQ(loose.capacity(), 200);
  // An SLO nothing meets: capacity 0 after max_probes.
  CapacitySearch never(100, 0.05, 5);
  while (!never.done()) never.record(false);
  EXPECT_EQ(never.probes(), 5);
  EXPECT_DOUBLE_EQ(never.capacity(), 0);
  EXPECT_TRUE(CapacitySearch(0, 0.05, 5).done());  // no upper bound: nothing to search
}

// At least 300 requests, arrivals over at least 20 SLO bounds, at most 20000:
// 3000/s at a 40 ms bound: 20 x 0.04 x 3000 = 2400; 100/s: 80 -> 300; 1e6/s: 800000 -> 20000.
TEST(Capacity, ProbeLengthCoversTwentySloBounds) {
  CapacityRules r;
  r.requests = 300;
  EXPECT_EQ(r.requests_at(3000, 0.04), 2400);
  EXPECT_EQ(r.requests_at(100, 0.04), 300);
  EXPECT_EQ(r.requests_at(1e6, 0.04), 20000);
}

TEST(Capacity, MedianOfSeeds) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_DOUBLE_EQ(median({}), 0);
}
