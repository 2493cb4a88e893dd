// The trace-event timeline (hw/timeline.*) without the kernel: times are written exactly, in
// whole picoseconds, so slices that touch on one track never overlap in the file.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "hw/timeline.h"
#include "tests/test_support.h"

namespace ebatch {
namespace {

// A JSON number written as microseconds with up to six decimals, as whole picoseconds.
long long picoseconds_of(const std::string& micros) {
  const auto dot = micros.find('.');
  std::string frac = dot == std::string::npos ? "" : micros.substr(dot + 1);
  EXPECT_LE(frac.size(), 6u) << micros;
  frac.resize(6, '0');
  return std::stoll(micros.substr(0, dot)) * 1000000 + std::stoll(frac);
}

TEST(Timeline, TouchingSlicesOnOneTrackNeverOverlap) {
  const std::string path = test::scratch_dir("timeline") + "/timeline.json";
  Timeline t(path, 0, 0);
  // Consecutive slices at kernel times (whole picoseconds) late in a long run, where 12
  // significant digits of microseconds (the old format) keep only nanoseconds: 900 s is 9e8 us.
  const std::vector<long long> ends_ps = {900'000'000'000'001LL, 900'000'000'123'457LL, 900'000'000'123'458LL,
                                          900'000'001'000'000LL, 900'000'001'999'999LL, 900'000'002'000'000LL};
  for (std::size_t i = 0; i + 1 < ends_ps.size(); ++i)
    t.complete("accelerator", "layers", "pass", double(ends_ps[i]) * 1e-12, double(ends_ps[i + 1]) * 1e-12);
  t.instant("accelerator", "irq", "SEQ_DONE", double(ends_ps[2]) * 1e-12);
  t.close();
  const YAML::Node doc = YAML::LoadFile(path);
  std::vector<std::pair<long long, long long>> slices;
  long long instant = -1;
  for (const auto& ev : doc["traceEvents"]) {
    const std::string ph = ev["ph"].as<std::string>();
    if (ph == "X") slices.emplace_back(picoseconds_of(ev["ts"].Scalar()), picoseconds_of(ev["dur"].Scalar()));
    if (ph == "i") instant = picoseconds_of(ev["ts"].Scalar());
  }
  ASSERT_EQ(slices.size(), ends_ps.size() - 1);
  for (std::size_t i = 0; i < slices.size(); ++i) {
    EXPECT_EQ(slices[i].first, ends_ps[i]) << i;
    EXPECT_EQ(slices[i].first + slices[i].second, ends_ps[i + 1]) << i;  // ends exactly where the next starts
  }
  EXPECT_EQ(instant, ends_ps[2]);
}

}  // namespace
}  // namespace ebatch
