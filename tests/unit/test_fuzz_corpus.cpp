// Replays the fuzzing seed corpus (tests/fuzz/corpus/<target>/) and every input that once
// crashed a fuzzer (tests/fuzz/regressions/<target>/) through the same entry points the
// libFuzzer targets use: each must be accepted or rejected with an InputError, nothing else.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_entries.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using ebatch::test::read_file;
using ebatch::test::repo_path;

namespace {

std::vector<fs::path> inputs(const std::string& folder) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return out;
  for (const auto& e : fs::directory_iterator(folder))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(FuzzCorpus, EveryInputIsAcceptedOrRejectedCleanly) {
  for (const auto& target : ebatch::fuzz::targets()) {
    const auto seeds = inputs(repo_path("tests/fuzz/corpus/") + target.name);
    EXPECT_FALSE(seeds.empty()) << "no seed corpus for " << target.name;
    auto all = seeds;
    const auto crashes = inputs(repo_path("tests/fuzz/regressions/") + target.name);
    all.insert(all.end(), crashes.begin(), crashes.end());
    for (const auto& file : all) {
      const std::string bytes = read_file(file.string());
      EXPECT_NO_THROW(target.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()))
          << target.name << ": " << file;
    }
  }
}
