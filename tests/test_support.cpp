#include "tests/test_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "ebatch_version.h"

namespace fs = std::filesystem;

namespace ebatch::test {

std::string repo_root() {
  const char* env = std::getenv("EBATCH_ROOT");
  return env && *env ? env : EBATCH_SOURCE_DIR;
}

std::string repo_path(const std::string& relative) { return repo_root() + "/" + relative; }

namespace {
// Scratch folders are removed when the test process exits.
struct ScratchRegistry {
  std::vector<fs::path> dirs;
  ~ScratchRegistry() {
    std::error_code ec;
    for (const auto& d : dirs) fs::remove_all(d, ec);
  }
};
ScratchRegistry& scratch_registry() {
  static ScratchRegistry registry;
  return registry;
}
}  // namespace

std::string scratch_dir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("ebatch_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  scratch_registry().dirs.push_back(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<RequestRow> read_requests_csv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "id,length,arrival_s,start_s,finish_s,latency_s,slot,steps");
  std::vector<RequestRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::vector<std::string> f;
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    EXPECT_EQ(f.size(), 8u) << line;
    if (f.size() != 8) continue;
    RequestRow r;
    r.id = std::stoll(f[0]);
    r.length = std::stoll(f[1]);
    r.arrival = std::stod(f[2]);
    r.start = std::stod(f[3]);
    r.finish = std::stod(f[4]);
    r.latency = std::stod(f[5]);
    r.slot = std::stoi(f[6]);
    r.steps = std::stoll(f[7]);
    rows.push_back(r);
  }
  return rows;
}

std::string ebatch_binary() {
  const char* env_bin = std::getenv("EBATCH_BIN");
  return env_bin && *env_bin ? env_bin : EBATCH_BIN_PATH;
}

CliResult run_cli(const std::vector<std::string>& args, const std::string& cwd) {
  const std::string bin_path = ebatch_binary();
  const char* bin = bin_path.c_str();
  const std::string dir = scratch_dir("cli");
  const std::string out_path = dir + "/stdout", err_path = dir + "/stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    if (!freopen(out_path.c_str(), "w", stdout) || !freopen(err_path.c_str(), "w", stderr)) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  fs::remove_all(dir);
  return r;
}

}  // namespace ebatch::test
