// The streaming latency histogram: quantiles within its relative accuracy of the
// exact nearest-rank values, exact mean/min/max, memory bounded by the value range.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/random/lognormal_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>
#include <vector>

#include "common/latency_histogram.h"

using ebatch::LatencyHistogram;

namespace {

double exact_rank(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto rank = std::max<std::size_t>(1, std::size_t(std::ceil(q * double(v.size()))));
  return v[rank - 1];
}

}  // namespace

TEST(LatencyHistogram, QuantilesWithinTheRelativeAccuracyOfNearestRank) {
  boost::random::mt19937_64 rng(7);
  boost::random::lognormal_distribution<double> dist(std::log(2e-3), 1.5);  // ms to seconds
  for (double accuracy : {1e-2, 5e-4}) {
    LatencyHistogram h(accuracy);
    std::vector<double> all;
    for (int i = 0; i < 20000; ++i) {
      const double x = dist(rng);
      h.add(x);
      all.push_back(x);
    }
    for (double q : {0.0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0}) {
      const double exact = exact_rank(all, q);
      EXPECT_NEAR(h.quantile(q), exact, accuracy * exact * (1 + 1e-9)) << "q " << q << " accuracy " << accuracy;
    }
    double sum = 0;
    for (double x : all) sum += x;
    EXPECT_NEAR(h.mean(), sum / double(all.size()), 1e-12 * sum);
    EXPECT_EQ(h.min(), *std::min_element(all.begin(), all.end()));
    EXPECT_EQ(h.max(), *std::max_element(all.begin(), all.end()));
    EXPECT_EQ(h.quantile(1.0), h.max());
    EXPECT_EQ(h.count(), all.size());
  }
}

TEST(LatencyHistogram, MemoryDependsOnTheRangeNotTheCount) {
  LatencyHistogram h;
  for (int i = 0; i < 1'000'000; ++i) h.add(1e-3 * (1 + (i % 1000)));  // 1 ms .. 1 s
  const std::size_t after_million = h.buckets();
  // log(1000) / log(gamma) buckets, gamma = (1 + a) / (1 - a), a = 5e-4.
  EXPECT_LE(after_million, std::size_t(std::log(1000.0) / std::log(1.0005 / 0.9995)) + 2);
  for (int i = 0; i < 1'000'000; ++i) h.add(1e-3 * (1 + (i % 1000)));
  EXPECT_EQ(h.buckets(), after_million);
  EXPECT_EQ(h.count(), 2'000'000u);
}

TEST(LatencyHistogram, EdgeCases) {
  LatencyHistogram h;
  EXPECT_EQ(h.quantile(0.5), 0.0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.max(), 0.0);
  h.add(0.25);
  for (double q : {0.0, 0.5, 1.0}) EXPECT_EQ(h.quantile(q), 0.25);  // clamped to [min, max]
  h.add(0.0);
  EXPECT_EQ(h.quantile(0.5), 0.0);  // rank 1 of {0, 0.25}
  EXPECT_EQ(h.quantile(1.0), 0.25);
  // Values below the first bucket extend the range downwards.
  h.add(1e-9);
  EXPECT_NEAR(h.quantile(0.6), 1e-9, 1e-9 * 5e-4);
  EXPECT_THROW(h.add(std::nan("")), std::invalid_argument);
  EXPECT_THROW(LatencyHistogram(0.0), std::invalid_argument);
  EXPECT_THROW(LatencyHistogram(1.0), std::invalid_argument);
}
