// Streaming latency statistics in constant memory: count, exact mean, min and
// max, and quantiles from a log-bucketed histogram (the DDSketch idea: bucket i
// holds values in (gamma^(i-1), gamma^i], gamma = (1 + a) / (1 - a)), so every
// quantile it reports is within relative error `a` of the true nearest-rank value.
// Memory grows with the log of the value range seen, never with the count:
// 1 ns to 1e6 s at a = 0.05% is about 35,000 buckets (280 KB) at most.
// Ignores: zero and negative values are counted in a bucket of their own that
// reports 0 (latencies are never negative; zero occurs only in degenerate configs).
#pragma once

#include <cstdint>
#include <vector>

namespace ebatch {

class LatencyHistogram {
 public:
  explicit LatencyHistogram(double relative_accuracy = 5e-4);

  void add(double value);
  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? sum_ / double(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  double relative_accuracy() const { return accuracy_; }
  // Nearest-rank quantile (q in [0, 1]): the value of rank ceil(q * count),
  // within relative_accuracy(), clamped to [min, max]. 0 when empty.
  double quantile(double q) const;
  // Buckets in use (for tests and memory accounting).
  std::size_t buckets() const { return counts_.size(); }

 private:
  int index_of(double value) const;
  double accuracy_, gamma_, log_gamma_;
  std::uint64_t count_ = 0, non_positive_ = 0;
  double sum_ = 0, min_ = 0, max_ = 0;
  int first_index_ = 0;                // index of counts_[0]
  std::vector<std::uint64_t> counts_;  // dense over [first_index_, first_index_ + size)
};

}  // namespace ebatch
