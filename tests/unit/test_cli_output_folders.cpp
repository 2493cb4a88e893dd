// Outputs that must not be lost or left half-written (issue 17): one command at a time
// per output folder, no stale file of an earlier run, nothing left by a run that fails
// on a full disk, compare and reproduce folders that cannot collide or escape --out,
// a compare that takes its child along when stopped, Slurm scripts that do not write
// into the submit folder and do not rerun what is done, progress lines in a log.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace ebatch::test;  // NOLINT(google-build-using-namespace): test helpers only

namespace {

const std::string kSmall = "workload.requests=3";
const std::string kCellular = "policy={kind: cellular, slots: 4}";

std::vector<std::string> small_run(const std::string& out) {
  return {"run", repo_path("configs/experiments/default.yaml"), "--set", kSmall, "--set", kCellular, "--out", out};
}

std::string bin() {
  const char* env_bin = std::getenv("EBATCH_BIN");
  return env_bin && *env_bin ? env_bin : EBATCH_BIN_PATH;
}

int shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(e.path(), dir).string());
  return names;
}

// Starts `ebatch args...` with stdout and stderr to files; returns its pid.
pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(log.c_str(), "w", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(127);
    std::vector<char*> argv;
    const std::string b = bin();
    argv.push_back(const_cast<char*>(b.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// The first child of `pid` (from /proc), waiting up to 20 s for one; 0 if none came.
pid_t first_child(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children";
  for (int i = 0; i < 400; ++i) {
    const std::string text = read_file(path);
    if (!text.empty()) return pid_t(std::stol(text));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

// Whether `pid` is gone (or a zombie nobody reaped yet), waiting up to 20 s.
bool gone(pid_t pid) {
  for (int i = 0; i < 400; ++i) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (stat.empty() || (close != std::string::npos && stat.compare(close + 2, 1, "Z") == 0)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

// A second command into a folder another holds stops at once, naming the folder, and
// touches nothing there (before: both wrote the same temporaries and one deleted the
// other's folder).
TEST(CliOutputFolders, ASecondRunIntoAFolderInUseStopsAndTouchesNothing) {
  const std::string dir = scratch_dir("folder_lock") + "/out";
  fs::create_directories(dir);
  write_file(dir + "/stats.json", "the other run's\n");
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  auto r = run_cli(small_run(dir));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "error: ebatch run: " + dir +
                       ": another ebatch command is writing into this folder; wait for it or give another --out\n");
  EXPECT_EQ(read_file(dir + "/stats.json"), "the other run's\n");
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"stats.json"});
  for (const char* command : {"compare", "reproduce"}) {
    r = run_cli({command, "--out", dir});
    EXPECT_EQ(r.exit_code, 2) << command << r.err;
    EXPECT_CONTAINS(r.err, "another ebatch command is writing into this folder");
  }
  close(fd);
  r = run_cli(small_run(dir));  // the lock goes with its holder
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Two runs started together into one folder: one writes it, the other refuses, and the
// folder holds one complete run.
TEST(CliOutputFolders, TwoRunsStartedTogetherLeaveOneCompleteRun) {
  const std::string dir = scratch_dir("folder_race"), out = dir + "/out";
  const pid_t a = spawn(small_run(out), dir + "/a.log"), b = spawn(small_run(out), dir + "/b.log");
  int sa = 0, sb = 0;
  waitpid(a, &sa, 0);
  waitpid(b, &sb, 0);
  const int ra = WEXITSTATUS(sa), rb = WEXITSTATUS(sb);
  EXPECT_TRUE((ra == 0 && (rb == 0 || rb == 2)) || (rb == 0 && ra == 2)) << ra << " " << rb;
  EXPECT_TRUE(fs::exists(out + "/stats.json"));
  EXPECT_TRUE(fs::exists(out + "/requests.csv"));
  for (const auto& n : names_in(out)) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
}

// A rerun into an old folder leaves no file of the earlier run that this run does not write.
TEST(CliOutputFolders, ARerunLeavesNoStaleOutputOfTheEarlierRun) {
  const std::string dir = scratch_dir("folder_stale") + "/out";
  auto r = run_cli({"run", repo_path("configs/experiments/default.yaml"), "--set", kSmall, "--set", kCellular, "--set",
                    "output.timeline=true", "--set", "output.trace=control", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(fs::exists(dir + "/timeline.json"));
  ASSERT_TRUE(fs::exists(dir + "/trace.vcd"));
  write_file(dir + "/notes.txt", "mine\n");
  r = run_cli(small_run(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/timeline.json"));
  EXPECT_FALSE(fs::exists(dir + "/trace.vcd"));
  EXPECT_FALSE(fs::exists(dir + "/trace.gtkw"));
  EXPECT_TRUE(fs::exists(dir + "/stats.json"));
  EXPECT_EQ(read_file(dir + "/notes.txt"), "mine\n") << "a file no run writes is kept";
}

// A file-size limit stands in for a full disk (EFBIG where ENOSPC would come): exit 2, one
// message, and neither requests.csv nor resolved.yaml nor a temporary left behind.
TEST(CliOutputFolders, AFullDiskLeavesNothingBehind) {
#if defined(__SANITIZE_ADDRESS__)
  // An OutputError thrown after sc_start() in the ASan-built ebatch: SystemC's threads ran on
  // stacks of their own, ASan still takes the last of them for the current one ("ASan is
  // ignoring requested __asan_handle_no_return ... false positive error reports may follow")
  // and reports a stack overflow inside its own sigaltstack check. The checked build runs this.
  GTEST_SKIP() << "ASan misreads the stack after SystemC's thread switches (checked build covers this)";
#endif
  const std::string dir = scratch_dir("folder_full"), out = dir + "/out";
  std::string cmd = "trap '' XFSZ; ulimit -f 2; exec '" + bin() + "'";
  for (const auto& a : small_run(out)) cmd += " '" + a + "'";
  const int rc = shell("bash -c \"" + cmd + "\" >" + dir + "/log 2>&1");
  EXPECT_EQ(rc, 2) << read_file(dir + "/log");
  EXPECT_CONTAINS(read_file(dir + "/log"), ": cannot be written: File too large");
  EXPECT_FALSE(fs::exists(out)) << names_in(out).size();
  // Into an existing folder: the folder stays, empty of this run's files.
  fs::create_directories(out);
  EXPECT_EQ(shell("bash -c \"" + cmd + "\" >" + dir + "/log 2>&1"), 2);
  EXPECT_TRUE(fs::is_empty(out)) << names_in(out).front();
}

// compare: the default folder is named after the overrides; the table has no line that
// only repeats a policy's name; --out a file is one message, exit 2.
TEST(CliOutputFolders, CompareFoldersAreNamedAfterTheOverrides) {
  const std::string dir = scratch_dir("compare_names");
  fs::create_directories(dir + "/configs/experiments");
  const std::string exp = repo_path("configs/experiments/default.yaml");
  auto r = run_cli({"compare", exp, "--policies", "none,cellular", "--set", kSmall, "--set", "seed=7"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "_compare-workload.requests=3+seed=7/");
  EXPECT_EQ(r.out.find("  none      none\n"), std::string::npos) << r.out;
  const std::string first = r.out.substr(r.out.find("results in ") + 11);
  r = run_cli({"compare", exp, "--policies", "none,cellular", "--set", kSmall, "--set", "seed=8"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.out, "_compare-workload.requests=3+seed=8/");
  EXPECT_NE(r.out.substr(r.out.find("results in ") + 11), first);

  write_file(dir + "/file", "x");
  r = run_cli({"compare", exp, "--policies", "none", "--baseline", "none", "--set", kSmall, "--out", dir + "/file"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: " + dir + "/file: cannot be written: not a folder\n");
  r = run_cli({"reproduce", "--out", dir + "/file"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: " + dir + "/file: cannot be written: not a folder\n");
}

// A policy whose run refuses its input (here: slots that need more DRAM than there is, found
// only when the run sets up) stops compare with exit 2, one error line naming the policy,
// and none of the earlier policies' folders left (before: they stayed, and the message
// pointed at a folder that did not exist).
TEST(CliOutputFolders, CompareWithABadLaterPolicyLeavesNothing) {
  const std::string dir = scratch_dir("compare_bad"), out = dir + "/out";
  const auto r =
      run_cli({"compare", repo_path("configs/experiments/default.yaml"), "--policies", "none,padded", "--baseline",
               "none", "--slots", "200", "--set", kSmall, "--set", "hardware.dram.capacity=19 MiB", "--out", out});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const std::string last = r.err.substr(r.err.rfind("error: "));
  EXPECT_CONTAINS(last, "error: ebatch compare: policy 'padded': ");
  EXPECT_EQ(last.find('\n'), last.size() - 1);
  EXPECT_FALSE(fs::exists(out));
}

// SIGTERM to compare reaches its `ebatch run`; SIGKILL takes it along too.
TEST(CliOutputFolders, StoppingCompareStopsItsRun) {
  for (const int sig : {SIGTERM, SIGKILL}) {
    SCOPED_TRACE(sig);
    const std::string dir = scratch_dir("compare_kill");
    const pid_t compare = spawn({"compare", repo_path("configs/experiments/default.yaml"), "--policies", "none",
                                 "--baseline", "none", "--set", "workload.requests=200000", "--out", dir + "/out"},
                                dir + "/log");
    const pid_t run = first_child(compare);
    ASSERT_GT(run, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    kill(compare, sig);
    int status = 0;
    waitpid(compare, &status, 0);
    EXPECT_TRUE(gone(run)) << "ebatch run " << run << " still running after compare got signal " << sig;
    kill(run, SIGKILL);  // in case
  }
}

// Names of configs/reproduce.yaml become folder names only once checked.
TEST(CliOutputFolders, ReproduceNamesCannotLeaveTheOutputFolder) {
  const std::string dir = scratch_dir("reproduce_escape"), c = repo_path("configs");
  write_file(dir + "/r.yaml", "base: " + c + "/experiments/default.yaml\nrequests: 2\npolicies: [cellular, ebatch]\n" +
                                  "platforms:\n  epur: {hardware: " + c + "/hw/epur.yaml, energy: " + c +
                                  "/energy/epur_28nm.yaml, slots: 2, claims: {throughput: 1, energy_efficiency: 1}}\n" +
                                  "networks:\n  ../../../../escape: {network: " + repo_path("models/eesen.yaml") +
                                  ", lengths: " + repo_path("models/datasets/imdb.yaml") + "}\n");
  const auto r = run_cli({"reproduce", "--config", dir + "/r.yaml", "--no-plots", "--out", dir + "/a/b/c/d/out"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "key 'networks.../../../../escape': a name here is a folder name");
  EXPECT_EQ(names_in(dir), std::vector<std::string>{"r.yaml"});
}

// --quick writes to its own default folder, so a full run's results stay; progress lines
// reach a log (stderr not a terminal) with done/total.
TEST(CliOutputFolders, ReproduceQuickHasItsOwnFolderAndLogsProgress) {
  const std::string dir = scratch_dir("reproduce_quick_dir"), c = repo_path("configs");
  write_file(dir + "/r.yaml", "base: " + c + "/experiments/default.yaml\nrequests: 2\nquick_requests: 2\n" +
                                  "policies: [cellular, ebatch]\nplatforms:\n  epur: {hardware: " + c +
                                  "/hw/epur.yaml, energy: " + c +
                                  "/energy/epur_28nm.yaml, slots: 2, claims: {throughput: 1, energy_efficiency: 1}}\n" +
                                  "networks:\n  imdb: {network: " + repo_path("models/imdb_sentiment.yaml") +
                                  ", lengths: " + repo_path("models/datasets/imdb.yaml") + "}\n");
  fs::create_directories(dir + "/results/reproduce");
  write_file(dir + "/results/reproduce/summary.txt", "full run\n");
  const auto r = run_cli(
      {"reproduce", "--quick", "--config", dir + "/r.yaml", "--no-plots", "--variants", "none", "--jobs", "2"}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(dir + "/results/reproduce/summary.txt"), "full run\n");
  // Issue 15: a folder per invocation (results/reproduce/NNN_quick) and a link to the latest.
  EXPECT_TRUE(fs::exists(dir + "/results/reproduce/001_quick/summary.txt"));
  EXPECT_TRUE(fs::exists(dir + "/results/reproduce/latest_quick/summary.txt"));
  EXPECT_FALSE(fs::exists(dir + "/results/reproduce/latest"));
  EXPECT_CONTAINS(r.err, "reproduce saturation: 2/2 runs done, 0 failed, finished in ");
  EXPECT_CONTAINS(r.err, "reproduce moderate: 2/2 runs done, 0 failed, finished in ");
}

namespace {

std::string tiny_sweep() {
  return "experiment: " + repo_path("configs/experiments/default.yaml") +
         "\nset: {workload.requests: 3, workload.lengths: \"{distribution: fixed, value: 5}\"}\n"
         "grid: {policy.slots: [2, 4]}\n";
}

}  // namespace

// A sweep's progress reaches a log: the last line gives done/total.
TEST(CliOutputFolders, SweepLogsProgressWhenNotOnATerminal) {
  const std::string dir = scratch_dir("sweep_log");
  write_file(dir + "/s.yaml", tiny_sweep());
  const auto r = run_cli({"sweep", dir + "/s.yaml", "--runner", "fork", "--out", dir + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_CONTAINS(r.err, "sweep: 2/2 points done, 0 failed, finished in ");
}

// --emit-slurm into a folder, or with a script that cannot be written, writes nothing
// (before: /tmp.tmp and the points folders).
TEST(CliOutputFolders, EmitSlurmToAFolderWritesNothing) {
  const std::string dir = scratch_dir("slurm_folder");
  write_file(dir + "/s.yaml", tiny_sweep());
  fs::create_directories(dir + "/scripts");
  auto r = run_cli({"sweep", dir + "/s.yaml", "--out", dir + "/out", "--emit-slurm", dir + "/scripts"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "error: ebatch sweep: --emit-slurm " + dir + "/scripts: is a folder (give the job script's file name)\n");
  fs::create_directories(dir + "/scripts/a.sh.aggregate.sh");  // the second script cannot be written
  r = run_cli({"sweep", dir + "/s.yaml", "--out", dir + "/out", "--emit-slurm", dir + "/scripts/a.sh"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
  EXPECT_FALSE(fs::exists(dir + "/scripts/a.sh"));
  r = run_cli({"sweep", dir + "/s.yaml", "--slurm-time", "1:00"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "--slurm-time goes with --emit-slurm");
  r = run_cli({"sweep", dir + "/s.yaml", "--emit-slurm", dir + "/x.sh", "--slurm-partition", "a b"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "--slurm-partition 'a b': use letters");
  EXPECT_FALSE(fs::exists(dir + "/x.sh"));
}

// The emitted scripts: Slurm's output files go nowhere empty and not into the submit folder,
// --slurm-time/--slurm-partition reach both, a task whose point is done exits at once (a
// resubmission reruns nothing), and a failed task records failed.txt as a local sweep does.
TEST(CliOutputFolders, SlurmTasksSkipDonePointsAndKeepTheSubmitFolderClean) {
  const std::string dir = scratch_dir("slurm_resubmit"), out = dir + "/out", script = dir + "/array.sh";
  write_file(dir + "/s.yaml", tiny_sweep());
  auto r = run_cli({"sweep", dir + "/s.yaml", "--out", out, "--emit-slurm", script, "--slurm-time", "30:00",
                    "--slurm-partition", "short"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string array = read_file(script), aggregate = read_file(script + ".aggregate.sh");
  EXPECT_CONTAINS(array, "#SBATCH --output=/dev/null\n");
  EXPECT_CONTAINS(array, "#SBATCH --time=30:00\n#SBATCH --partition=short\n");
  EXPECT_CONTAINS(aggregate, "#SBATCH --output=" + out + "/slurm-aggregate-%j.out\n");
  EXPECT_CONTAINS(aggregate, "#SBATCH --time=30:00\n#SBATCH --partition=short\n");
  ASSERT_EQ(shell("cd '" + dir + "' && SLURM_ARRAY_TASK_ID=1 bash '" + script + "'"), 0);
  const auto stamp = fs::last_write_time(out + "/points/0001/stats.json");
  write_file(out + "/points/0001/run.log", "kept\n");
  ASSERT_EQ(shell("cd '" + dir + "' && SLURM_ARRAY_TASK_ID=1 bash '" + script + "'"), 0);
  EXPECT_EQ(fs::last_write_time(out + "/points/0001/stats.json"), stamp);
  EXPECT_EQ(read_file(out + "/points/0001/run.log"), "kept\n") << "a done point is not rerun";
  // A task whose run fails: failed.txt, as a local sweep writes it; the next submission retries it.
  write_file(out + "/commands.txt", read_file(out + "/commands.txt").replace(0, 0, "false #"));
  EXPECT_NE(shell("cd '" + dir + "' && SLURM_ARRAY_TASK_ID=0 bash '" + script + "' 2>/dev/null"), 0);
  EXPECT_EQ(read_file(out + "/points/0000/failed.txt"), "exit 1\n");
}

// The largest grid is one whose points can all be validated in seconds, not minutes.
TEST(CliOutputFolders, SweepGridsAboveTheMaximumAreRefusedAtOnce) {
  const std::string dir = scratch_dir("sweep_max");
  std::string values;
  for (int i = 0; i < 101; ++i) values += (i ? ", " : "") + std::to_string(i + 1);
  write_file(dir + "/s.yaml", "experiment: " + repo_path("configs/experiments/default.yaml") +
                                  "\ngrid: {workload.seed: [" + values + "], policy.slots: [" + values + "]}\n");
  const auto r = run_cli({"sweep", dir + "/s.yaml", "--dry-run"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_CONTAINS(r.err, "key 'grid': more than 10000 points");
}
