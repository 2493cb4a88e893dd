// Runs the examples of README.md as a newcomer would paste them: a bare `ebatch` (the
// build's tools/ folder on PATH, as the README's set-up line says), from a folder holding the
// checkout's configs/ and models/, and checks that each succeeds and prints a short output
// (a summary, not thousands of kernel warnings such as SystemC's W713 from a traced run).
// The examples are the `ebatch ...` lines of the README's code blocks, except the usage
// synopsis and the block that makes the pictures (full-size compares and sweeps, minutes).
// Runs and compares get 5 requests of 20 steps to keep the suite fast; the sweep
// example runs a copy of its sweep file with 5 requests per point (same name, same grid).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace fs = std::filesystem;

namespace ebatch {
namespace {

// The `ebatch ...` commands of README.md's code blocks (continuation lines joined, comments cut).
std::vector<std::string> readme_examples() {
  std::ifstream in(test::repo_path("README.md"));
  std::vector<std::string> block, out;
  std::string line;
  bool fenced = false;
  auto take = [&] {
    std::string all;
    for (const auto& l : block) all += l + "\n";
    const bool synopsis = all.find("--help | --version") != std::string::npos;
    const bool pictures = all.find("cat > ") != std::string::npos;
    if (synopsis || pictures) return;
    std::string command;
    for (auto l : block) {
      const bool more = !l.empty() && l.back() == '\\';
      if (more) l.pop_back();
      command += l;
      if (more) continue;
      const auto hash = command.find(" #");
      if (hash != std::string::npos) command.erase(hash);
      while (!command.empty() && command.back() == ' ') command.pop_back();
      const auto first = command.find_first_not_of(' ');
      if (first != std::string::npos && command.compare(first, 7, "ebatch ") == 0) out.push_back(command.substr(first));
      command.clear();
    }
  };
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      if (fenced) take();
      block.clear();
      fenced = !fenced;
    } else if (fenced) {
      block.push_back(line);
    }
  }
  return out;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class ReadmeExample : public ::testing::TestWithParam<std::string> {};

TEST(ReadmeExamples, AreFound) {
  const auto all = readme_examples();
  EXPECT_GE(all.size(), 6u);
  bool wave = false;
  for (const auto& c : all) wave |= c.find("output.trace=full") != std::string::npos;
  EXPECT_TRUE(wave) << "the waveform example is among them";
}

TEST_P(ReadmeExample, SucceedsWithAShortOutput) {
  std::string command = GetParam();
  const std::string dir = test::scratch_dir("readme");
  for (const char* data : {"configs", "models"}) fs::create_symlink(test::repo_path(data), dir + "/" + data);
  const std::string verb = command.substr(7, command.find(' ', 7) - 7);
  if (verb == "run" || verb == "compare")  // few and short requests (a functional run checks every step)
    command += " --set workload.requests=5 --set 'workload.lengths={distribution: fixed, value: 20}'";
  if (verb == "sweep") {  // the same sweep file with 5 requests per point, its experiment by absolute path
    std::istringstream words(command);
    std::string w, file;
    words >> w >> w >> file;
    std::string text = test::read_file(test::repo_path(file));
    const std::string requests = "workload.requests: 200", experiment = "experiment: ../experiments/";
    ASSERT_NE(text.find(requests), std::string::npos) << file;
    ASSERT_NE(text.find(experiment), std::string::npos) << file;
    text.replace(text.find(requests), requests.size(), "workload.requests: 5");
    text.replace(text.find(experiment), experiment.size(), "experiment: " + test::repo_path("configs/experiments/"));
    const std::string small = "small_" + fs::path(file).filename().string();
    test::write_file(dir + "/" + small, text);
    command.replace(command.find(file), file.size(), small);
  }
  const std::string bin_dir = fs::path(test::ebatch_binary()).parent_path().string();
  const std::string log = dir + "/output.txt";
  const std::string shell = "cd " + shell_quote(dir) + " && PATH=" + shell_quote(bin_dir) + ":\"$PATH\" timeout 300 " +
                            "bash -c " + shell_quote(command) + " > " + shell_quote(log) + " 2>&1";
  const int status = std::system(shell.c_str());
  const std::string output = test::read_file(log);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command << "\n" << output.substr(0, 4000);
  std::size_t lines = 0;
  for (char c : output) lines += c == '\n';
  EXPECT_LE(lines, 40u) << command << "\n" << output.substr(0, 4000);
  EXPECT_EQ(output.find("Warning"), std::string::npos) << command << "\n" << output.substr(0, 4000);
  fs::remove_all(dir);
}

std::string example_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = std::to_string(info.index) + "_";
  const std::string verb = info.param.substr(7, info.param.find(' ', 7) - 7);
  for (char c : verb) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Readme, ReadmeExample, ::testing::ValuesIn(readme_examples()), example_name);

}  // namespace
}  // namespace ebatch
