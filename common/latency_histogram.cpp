#include "common/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebatch {

LatencyHistogram::LatencyHistogram(double relative_accuracy)
    : accuracy_(relative_accuracy),
      gamma_((1 + relative_accuracy) / (1 - relative_accuracy)),
      log_gamma_(std::log(gamma_)) {
  if (!(relative_accuracy > 0 && relative_accuracy < 1))
    throw std::invalid_argument("LatencyHistogram: relative accuracy must be in (0, 1)");
}

int LatencyHistogram::index_of(double value) const { return int(std::ceil(std::log(value) / log_gamma_)); }

void LatencyHistogram::add(double value) {
  if (std::isnan(value)) throw std::invalid_argument("LatencyHistogram: NaN latency");
  min_ = count_ ? std::min(min_, value) : value;
  max_ = count_ ? std::max(max_, value) : value;
  ++count_;
  sum_ += value;
  if (value <= 0) {
    ++non_positive_;
    return;
  }
  const int i = index_of(value);
  if (counts_.empty()) {
    first_index_ = i;
    counts_.assign(1, 0);
  } else if (i < first_index_) {
    counts_.insert(counts_.begin(), std::size_t(first_index_ - i), 0);
    first_index_ = i;
  } else if (i >= first_index_ + int(counts_.size())) {
    counts_.resize(std::size_t(i - first_index_) + 1, 0);
  }
  ++counts_[std::size_t(i - first_index_)];
}

double LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(1, std::uint64_t(std::ceil(q * double(count_))));
  if (rank == count_) return max_;  // the extremes are kept exactly
  if (rank == 1) return min_;
  if (rank <= non_positive_) return std::clamp(0.0, min_, max_);
  std::uint64_t seen = non_positive_;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      // The bucket (gamma^(i-1), gamma^i] is reported by 2 gamma^i / (gamma + 1):
      // within accuracy_ of every value in it.
      const double v = 2 * std::pow(gamma_, double(first_index_ + int(b))) / (gamma_ + 1);
      return std::clamp(v, min_, max_);
    }
  }
  return max_;
}

}  // namespace ebatch
