// An output that cannot be written gives the same exit code (2) and the same
// one-line message "error: PATH: cannot be written: REASON" wherever it
// happens (requests.csv and outputs.npz streamed during the run, the timeline,
// stats.json written after it, the output folder itself), and leaves no
// temporary file behind. Root ignores permissions, so the tests put a
// directory where the file goes, or a regular file where a folder goes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/npy.h"
#include "common/zip_writer.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using ebatch::test::repo_path;
using ebatch::test::run_cli;
using ebatch::test::scratch_dir;

namespace {

// One line: "error: PATH: cannot be written: REASON".
bool is_output_error(const std::string& err, const std::string& path) {
  const std::string head = "error: " + path + ": cannot be written: ";
  return err.rfind(head, 0) == 0 && err.size() > head.size() + 1 && err.find('\n') == err.size() - 1;
}

std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp") != std::string::npos) found.push_back(entry.path().string());
  return found;
}

// Runs `ebatch run` with `sets` into DIR, where `blocked` (relative to DIR) is made a directory first.
void expect_output_error(const std::string& blocked, const std::vector<std::string>& sets) {
  SCOPED_TRACE(blocked);
  const std::string dir = scratch_dir("cli_outputs");
  fs::create_directories(dir + "/" + blocked);
  std::vector<std::string> args = {"run",   repo_path("configs/experiments/default.yaml"),
                                   "--set", "workload.requests=3",
                                   "--set", "policy={kind: cellular, slots: 4}"};
  for (const auto& s : sets) args.insert(args.end(), {"--set", s});
  args.insert(args.end(), {"--out", dir});
  const auto r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string path = dir + "/" + blocked;
  EXPECT_TRUE(is_output_error(r.err, path)) << r.err;
  EXPECT_TRUE(temporaries(dir).empty()) << temporaries(dir).front();
}

}  // namespace

TEST(CliOutputs, UnwritableOutputsGiveOneExitCodeAndMessage) {
#if defined(__SANITIZE_ADDRESS__)
  // An OutputError thrown after sc_start() in the ASan-built ebatch: SystemC's threads ran on
  // stacks of their own, ASan still takes the last of them for the current one ("ASan is
  // ignoring requested __asan_handle_no_return ... false positive error reports may follow")
  // and reports a stack overflow inside its own sigaltstack check. The checked build runs this.
  GTEST_SKIP() << "ASan misreads the stack after SystemC's thread switches (checked build covers this)";
#endif
  expect_output_error("requests.csv", {});
  expect_output_error("stats.json", {});
  expect_output_error("outputs.npz", {"simulation.functional=true"});
  expect_output_error("timeline.json", {"output.timeline=true"});
}

TEST(CliOutputs, OutputFolderUnderARegularFileIsAnOutputError) {
  const std::string dir = scratch_dir("cli_outputs");
  ebatch::test::write_file(dir + "/file", "x");
  const std::string out = dir + "/file/results";
  const auto r = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(is_output_error(r.err, out)) << r.err;
}

TEST(AtomicFile, UncommittedLeavesNothingAndCommitReplaces) {
  const std::string dir = scratch_dir("atomic_file");
  {
    ebatch::AtomicFile f(dir + "/a.txt");
    f.write("half");
  }
  EXPECT_TRUE(fs::is_empty(dir));
  ebatch::write_file_atomically(dir + "/a.txt", "one");
  ebatch::write_file_atomically(dir + "/a.txt", "two");
  EXPECT_EQ(ebatch::test::read_file(dir + "/a.txt"), "two");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
  try {
    ebatch::write_file_atomically(dir + "/a.txt/b.txt", "x");
    ADD_FAILURE() << "no OutputError";
  } catch (const ebatch::OutputError& e) {
    EXPECT_EQ(e.path(), dir + "/a.txt/b.txt");
    EXPECT_EQ(std::string(e.what()).rfind(dir + "/a.txt/b.txt: cannot be written: ", 0), 0u) << e.what();
  }
}

// Both .npz writers (whole archives and streamed run outputs) are the one ZipWriter.
TEST(ZipWriter, ArchivesReadBackAsNpz) {
  const std::string dir = scratch_dir("zip_writer");
  ebatch::ZipWriter zip(dir + "/z.npz");
  zip.add("a.npy", ebatch::encode_npy({{2}, {1.0f, 2.0f}}));
  zip.add("b.npy", ebatch::encode_npy({{1, 1}, {3.0f}}));
  zip.commit();
  const auto arrays = ebatch::read_npz(dir + "/z.npz");
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays.at("a").data, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(arrays.at("b").data, (std::vector<double>{3.0}));
  ebatch::write_npz(dir + "/w.npz", {{"a", {{2}, {1.0f, 2.0f}}}, {"b", {{1, 1}, {3.0f}}}});
  EXPECT_EQ(ebatch::test::read_file(dir + "/w.npz"), ebatch::test::read_file(dir + "/z.npz"));
}
