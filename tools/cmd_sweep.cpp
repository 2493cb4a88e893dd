// `ebatch sweep`: one experiment over a grid of overrides, one `ebatch run` process
// per point (SystemC elaborates once per process), J at a time with GNU parallel
// (or forked children when it is not installed), resumable, aggregated into one CSV;
// or, with --emit-slurm, a Slurm job array that runs the same commands on a cluster.
//
// SWEEP.yaml:
//   experiment: ../experiments/default.yaml      # required, relative to the sweep file
//   name: slots_window                           # optional (default: the file's stem)
//   description: ...                             # optional
//   set: {workload.requests: 200}                # optional, applied to every point
//   grid: {policy.slots: [4, 8], policy.window_steps: [16, 64]}  # cartesian, last key fastest
//   points: [{policy.kind: padded, policy.slots: 8}]             # optional, after the grid
//   metrics: [throughput_sequences_per_s, latency_s.p99]        # optional, dotted stats.json paths
// Values are YAML, as with --set (a string holding YAML, e.g. "{distribution: fixed,
// value: 10}", is parsed); relative paths in values resolve against the current folder.
//
// DIR (--out, default results/sweeps/NAME):
//   commands.txt                 line i+1 is point i's `ebatch run` command (shell-quoted)
//   points/NNNN/point.yaml       the point's overrides and a fingerprint of its resolved config
//   points/NNNN/resolved.yaml, stats.json, requests.csv, run.log   its run (run.log: its output)
//   sweep.csv                    point, swept keys, metrics: one row per point, in point order
// A point whose stats.json exists and whose point.yaml matches is skipped on a rerun.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <utility>

#include "common/atomic_file.h"
#include "common/config_reader.h"
#include "common/errors.h"
#include "tb/stats_schema.h"
#include "tools/cli.h"
#include "tools/jobs.h"
#include "tools/output_folder.h"
#include "tools/progress.h"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace ebatch::cli {
namespace {

// Every point is validated up front (about 2.5 ms each on the machine of docs/PERFORMANCE.md):
// 10 000 points take about 25 s to check, where 100 000 took four minutes.
constexpr std::size_t kMaxPoints = 10000;
const std::vector<std::string> kDefaultMetrics = {stat::kThroughput.path,           stat::kLatencyP50.path,
                                                  stat::kLatencyP99.path,           stat::kEnergyPerSequence.path,
                                                  stat::kDramBytesPerSequence.path, stat::kPaddingFraction.path,
                                                  stat::kSimulatedTime.path};

// One `dotted.key=value` of the sweep file, with the line that gives it.
struct Setting {
  std::string key, value;
  int line = 0;
};

struct Point {
  std::vector<Setting> own;  // this point's swept keys, in file order
  int line = 0;              // where the grid or the points entry is
  // Filled by prepare():
  std::string id;          // "0003"
  std::string dir;         // absolute
  std::string point_yaml;  // the text of points/NNNN/point.yaml
  std::string command;     // one shell line
};

struct Sweep {
  std::string file, name, experiment;  // experiment: absolute
  std::vector<Setting> common;         // `set:`
  std::vector<std::string> columns;    // swept keys: grid keys, then new keys of `points:`
  std::vector<std::string> metrics;
  std::vector<Point> points;
};

// ---- Reading the sweep file -------------------------------------------------

std::string kind_of(const YAML::Node& n) {
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  if (n.IsScalar()) return "a single value";
  return "nothing";
}

// The YAML text a value is passed on as (`--set key=TEXT`): scalars as written,
// lists and mappings in flow style; always one line.
std::string value_text(const YAML::Node& v, const ConfigOrigins& origins, const std::string& key_path) {
  std::string text;
  if (v.IsNull()) return "~";
  if (v.IsScalar()) {
    text = v.Scalar();
  } else {
    YAML::Emitter e;
    e << YAML::Flow << v;
    text = e.c_str();
  }
  if (text.find_first_of("\r\n") != std::string::npos) {
    try {  // a block scalar holding YAML: the same value on one line
      YAML::Emitter e;
      e << YAML::Flow << YAML::Load(text);
      text = e.c_str();
    } catch (const YAML::Exception&) {
    }
    if (text.find_first_of("\r\n") != std::string::npos)
      throw ConfigError(config_message(origins, key_path, v, "a value must fit on one line"));
  }
  return text;
}

// A dotted key into the experiment: non-empty parts, no '=' or blanks; not output.dir.
void check_key(const std::string& key, const YAML::Node& key_node, const ConfigOrigins& origins,
               const std::string& key_path) {
  bool ok = !key.empty() && key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos &&
            key.find_first_of("= \t\r\n") == std::string::npos;
  if (!ok) throw ConfigError(config_message(origins, key_path, key_node, "expected a dotted key into the experiment"));
  if (key == "output.dir" || key == "output")
    throw ConfigError(
        config_message(origins, key_path, key_node, "set by the sweep (each point runs in DIR/points/NNNN)"));
}

Sweep parse_sweep(const std::string& file) {
  auto origins = std::make_shared<ConfigOrigins>();
  origins->add("", file, true);
  YAML::Node root = load_yaml_file(file);
  if (!root.IsMap()) throw ConfigError(file + ": expected a mapping of keys at the top level");
  const ConfigSection top(root, "", origins);
  Sweep s;
  s.file = file;
  s.experiment = top.existing_file("experiment");
  s.name = top.string("name", fs::path(file).stem().string());
  if (!is_folder_name(s.name)) top.fail("name", "use letters, digits, '_', '.' and '-' only, not starting with '.'");
  top.string("description", "");
  for (const char* k : {"set", "grid", "points", "metrics"}) top.accept(k);
  const YAML::Node set = root["set"], grid = root["grid"], points = root["points"], metrics = root["metrics"];
  top.finish();

  auto line_of = [](const YAML::Node& n) { return n.Mark().is_null() ? 1 : n.Mark().line + 1; };
  // A top-level key's error, at the key's line (an empty value has none of its own).
  auto fail = [&](const std::string& key, const std::string& reason) {
    for (const auto& kv : root)
      if (kv.first.Scalar() == key) throw ConfigError(config_message(*origins, key, kv.first, reason));
    top.fail(key, reason);
  };
  if (set.IsDefined() && !set.IsNull()) {
    if (!set.IsMap()) fail("set", "expected a mapping of dotted.key: value, got " + kind_of(set));
    for (const auto& kv : set) {
      const std::string key = kv.first.Scalar(), path = "set." + key;
      check_key(key, kv.first, *origins, path);
      s.common.push_back({key, value_text(kv.second, *origins, path), line_of(kv.first)});
    }
  }
  // grid: the cartesian product, in file order, the last key varying fastest.
  if (grid.IsDefined()) {
    if (grid.IsNull() || (grid.IsMap() && grid.size() == 0))
      fail("grid", "empty (give at least one dotted.key with a list of values)");
    if (!grid.IsMap()) fail("grid", "expected a mapping of dotted.key: [values], got " + kind_of(grid));
    std::vector<std::vector<Setting>> axes;
    std::size_t total = 1;
    for (const auto& kv : grid) {
      const std::string key = kv.first.Scalar(), path = "grid." + key;
      check_key(key, kv.first, *origins, path);
      if (!kv.second.IsSequence())
        throw ConfigError(
            config_message(*origins, path, kv.second, "expected a list of values, got " + kind_of(kv.second)));
      if (kv.second.size() == 0) throw ConfigError(config_message(*origins, path, kv.second, "empty list"));
      std::vector<Setting> axis;
      for (const auto& v : kv.second) axis.push_back({key, value_text(v, *origins, path), line_of(v)});
      total *= axis.size();
      if (total > kMaxPoints)
        throw ConfigError(
            config_message(*origins, "grid", grid, "more than " + std::to_string(kMaxPoints) + " points"));
      axes.push_back(std::move(axis));
      s.columns.push_back(key);
    }
    for (std::size_t i = 0; i < total; ++i) {
      Point p;
      p.line = line_of(grid);
      p.own.resize(axes.size());
      std::size_t rest = i;
      for (std::size_t a = axes.size(); a-- > 0;) {
        p.own[a] = axes[a][rest % axes[a].size()];
        rest /= axes[a].size();
      }
      s.points.push_back(std::move(p));
    }
  }
  // points: explicit settings, appended after the grid.
  if (points.IsDefined()) {
    if (!points.IsSequence() || points.size() == 0)
      fail("points",
           points.IsSequence() ? "empty list" : "expected a list of {dotted.key: value}, got " + kind_of(points));
    for (std::size_t i = 0; i < points.size(); ++i) {
      const YAML::Node item = points[i];
      const std::string path = "points." + std::to_string(i);
      if (!item.IsMap() || item.size() == 0)
        throw ConfigError(config_message(*origins, path, item, "expected a non-empty mapping of dotted.key: value"));
      Point p;
      p.line = line_of(item);
      for (const auto& kv : item) {
        const std::string key = kv.first.Scalar();
        check_key(key, kv.first, *origins, path + "." + key);
        p.own.push_back({key, value_text(kv.second, *origins, path + "." + key), line_of(kv.first)});
        if (std::find(s.columns.begin(), s.columns.end(), key) == s.columns.end()) s.columns.push_back(key);
      }
      s.points.push_back(std::move(p));
    }
    if (s.points.size() > kMaxPoints) fail("points", "more than " + std::to_string(kMaxPoints) + " points in all");
  }
  if (s.points.empty()) fail("grid", "missing: give a 'grid' of dotted.key: [values], or 'points'");
  // metrics: dotted paths into stats.json.
  s.metrics = kDefaultMetrics;
  if (metrics.IsDefined()) {
    if (!metrics.IsSequence() || metrics.size() == 0)
      fail("metrics",
           metrics.IsSequence() ? "empty list" : "expected a list of dotted stats.json keys, got " + kind_of(metrics));
    s.metrics.clear();
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      const YAML::Node m = metrics[i];
      const std::string path = "metrics." + std::to_string(i);
      if (!m.IsScalar() || m.Scalar().empty())
        throw ConfigError(config_message(*origins, path, m, "expected a dotted stats.json key, e.g. latency_s.p99"));
      const std::string& name = m.Scalar();
      if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos)
        throw ConfigError(config_message(*origins, path, m, "'" + name + "' has an empty part"));
      if (std::find(s.metrics.begin(), s.metrics.end(), name) != s.metrics.end())
        throw ConfigError(config_message(*origins, path, m, "'" + name + "' is listed twice"));
      s.metrics.push_back(name);
    }
  }
  return s;
}

// ---- Points: overrides, folders, commands -----------------------------------

std::string label(const Point& p) {
  std::string out;
  for (const auto& st : p.own) out += (out.empty() ? "" : " ") + st.key + "=" + st.value;
  return out;
}

// Validates every point's config (before anything is written) and fills in its
// folder, point.yaml and command. A bad point is an InputError naming it.
void prepare(Sweep& s, const std::string& out_abs, const std::string& exe) {
  const std::size_t width = std::max<std::size_t>(4, std::to_string(s.points.size() - 1).size());
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    Point& p = s.points[i];
    p.id = std::to_string(i);
    p.id.insert(0, width - p.id.size(), '0');
    p.dir = out_abs + "/points/" + p.id;
    std::vector<Setting> all = s.common;
    all.insert(all.end(), p.own.begin(), p.own.end());
    std::vector<Override> overrides;
    overrides.reserve(all.size() + 1);
    for (const auto& st : all) overrides.push_back({st.key, st.value});
    overrides.push_back({"output.progress", "off"});
    std::vector<Override> with_dir = overrides;
    with_dir.push_back({"output.dir", p.dir});  // what `ebatch run --out` adds
    Experiment e;
    try {
      e = load_experiment(s.experiment, with_dir);
    } catch (const InputError& err) {
      const std::string what = err.what();
      int line = p.line;
      for (const auto& st : all)
        if (what.rfind("--set " + st.key + "=", 0) == 0) line = st.line;
      throw InputError(s.file + ":" + std::to_string(line) + ": point " + p.id + " (" + label(p) + "): " + what);
    }
    // The fingerprint covers the whole resolved config except where it is written.
    YAML::Node resolved = YAML::Clone(e.resolved);
    resolved["output"].remove("dir");
    YAML::Emitter r;
    r << resolved;
    YAML::Emitter y;
    y << YAML::BeginMap << YAML::Key << "point" << YAML::Value << i << YAML::Key << "experiment" << YAML::Value
      << s.experiment << YAML::Key << "overrides" << YAML::Value << YAML::BeginSeq;
    for (const auto& st : all) y << st.key + "=" + st.value;
    y << YAML::EndSeq << YAML::Key << "config_fingerprint" << YAML::Value << "fnv1a64:" + fnv1a64(r.c_str())
      << YAML::EndMap;
    p.point_yaml = "# Point " + p.id + " of sweep " + s.name +
                   " (ebatch sweep). A rerun skips it while this file matches and stats.json exists.\n" + y.c_str() +
                   "\n";
    p.command = shell_quote(exe) + " run " + shell_quote(s.experiment);
    for (const auto& o : overrides) p.command += " --set " + shell_quote(o.key + "=" + o.value);
    p.command += " --out " + shell_quote(p.dir) + " > " + shell_quote(p.dir + "/run.log") + " 2>&1";
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Done: stats.json exists, point.yaml matches and no failure was recorded.
// Done: its stats.json exists, from a run not interrupted (Ctrl-C), of the same point.yaml.
bool point_done(const Point& p) {
  std::error_code ec;
  return fs::exists(p.dir + "/stats.json", ec) && !fs::exists(p.dir + "/failed.txt", ec) &&
         read_text(p.dir + "/stats.json").find("\"" + stat::kInterruptedBy.name() + "\"") == std::string::npos &&
         fs::exists(p.dir + "/point.yaml", ec) && read_text(p.dir + "/point.yaml") == p.point_yaml;
}

std::string commands_text(const Sweep& s) {
  std::string out;
  for (const auto& p : s.points) out += p.command + "\n";
  return out;
}

// ---- Running ----------------------------------------------------------------

bool gnu_parallel_available() {
  FILE* f = popen("parallel --version 2>/dev/null", "r");
  if (!f) return false;
  char buf[128] = {0};
  const bool got = std::fgets(buf, sizeof buf, f) != nullptr;
  while (std::fgets(buf + 64, 64, f)) {  // drain
  }
  pclose(f);
  return got && std::string(buf).rfind("GNU parallel", 0) == 0;
}

// Runs the commands with `parallel --jobs J --halt never`, following its job log
// (one line per finished job, in completion order). Returns the jobs it did not run.
std::vector<std::size_t> run_gnu_parallel(const std::vector<std::string>& commands, int jobs, const std::string& dir,
                                          const JobDoneFn& done, Progress& progress) {
  const std::string input = dir + "/.pending_commands", joblog = dir + "/.joblog";
  std::string text;
  for (const auto& c : commands) text += c + "\n";
  write_file_atomically(input, text);
  std::error_code ec;
  fs::remove(joblog, ec);
  std::cout.flush();
  std::cerr.flush();
  const std::string j = std::to_string(jobs);
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open(input.c_str(), O_RDONLY), null = open("/dev/null", O_WRONLY);
    if (in < 0 || null < 0 || dup2(in, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) _exit(127);
    setenv("PARALLEL_SHELL", "/bin/sh", 1);  // not the caller's shell (csh, fish)
    execlp("parallel", "parallel", "--will-cite", "--jobs", j.c_str(), "--halt", "never", "--joblog", joblog.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  std::vector<bool> seen(commands.size(), false);
  auto follow = [&] {
    std::istringstream log(read_text(joblog));
    std::string line;
    while (std::getline(log, line)) {
      if (log.eof()) break;  // a line still being written
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string field; std::getline(ls, field, '\t');) f.push_back(field);
      if (f.size() < 8 || f[0] == "Seq") continue;
      try {
        const std::size_t seq = std::stoul(f[0]);
        const int exitval = std::stoi(f[6]), signal = std::stoi(f[7]);
        if (seq >= 1 && seq <= commands.size() && !seen[seq - 1]) {
          seen[seq - 1] = true;
          done(seq - 1, signal ? 128 + signal : exitval);
        }
      } catch (const std::exception&) {
      }
    }
  };
  if (pid > 0) {
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      follow();
      progress.tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    follow();
  }
  fs::remove(input, ec);
  fs::remove(joblog, ec);
  std::vector<std::size_t> missed;
  for (std::size_t i = 0; i < commands.size(); ++i)
    if (!seen[i]) missed.push_back(i);
  return missed;
}

// ---- Aggregating ------------------------------------------------------------

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos && (s.empty() || (s.front() != ' ' && s.back() != ' '))) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// The value at a dotted path of stats.json (list items by index), as written there.
bool metric_value(const YAML::Node& stats, const std::string& path, std::string& out) {
  YAML::Node cur = stats;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) {
    if (cur.IsMap()) {
      const YAML::Node next = cur[part];
      if (!next.IsDefined()) return false;
      cur.reset(next);
    } else if (cur.IsSequence() && !part.empty() && part.find_first_not_of("0123456789") == std::string::npos &&
               std::stoul(part) < cur.size()) {
      const YAML::Node next = cur[std::stoul(part)];
      cur.reset(next);
    } else {
      return false;
    }
  }
  if (cur.IsNull()) return out.clear(), true;
  if (!cur.IsScalar()) return false;
  out = cur.Scalar();
  return true;
}

struct Outcome {
  bool ok = false;
  int exit_code = 0;  // -1: no result found (aggregate-only)
  std::string note;
};

// Writes DIR/sweep.csv (temp name, renamed) from the points that succeeded;
// a point that failed or cannot be read gets empty metric cells and ok = false.
void write_sweep_csv(const Sweep& s, const std::string& out, std::vector<Outcome>& outcomes) {
  std::string csv = "point";
  for (const auto& c : s.columns) csv += "," + csv_field(c);
  for (const auto& m : s.metrics) csv += "," + csv_field(m);
  csv += "\n";
  std::vector<bool> warned(s.metrics.size(), false);
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    const Point& p = s.points[i];
    csv += p.id;
    for (const auto& c : s.columns) {
      std::string v;
      for (const auto& st : p.own)
        if (st.key == c) v = st.value;
      csv += "," + csv_field(v);
    }
    YAML::Node stats;
    if (outcomes[i].ok) {
      try {
        stats = YAML::LoadFile(p.dir + "/stats.json");
      } catch (const YAML::Exception& e) {
        outcomes[i] = {false, 1, "stats.json cannot be read: " + e.msg};
      }
    }
    for (std::size_t m = 0; m < s.metrics.size(); ++m) {
      std::string v;
      if (outcomes[i].ok && !metric_value(stats, s.metrics[m], v) && !warned[m]) {
        std::cerr << "warning: metric '" << s.metrics[m] << "' is not a value in " << out << "/points/" << p.id
                  << "/stats.json (left empty)\n";
        warned[m] = true;
      }
      csv += "," + csv_field(v);
    }
    csv += "\n";
  }
  write_file_atomically(out + "/sweep.csv", csv);
}

// Failed points on stderr; the exit code (0 all ok, 1 some failed).
int report(const Sweep& s, const std::string& out, const std::vector<Outcome>& outcomes, std::size_t ran,
           std::size_t skipped, bool aggregated_only) {
  std::size_t failed = 0;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].ok) continue;
    ++failed;
    const std::string where = out + "/points/" + s.points[i].id;
    std::cerr << "error: point " << s.points[i].id << " (" << label(s.points[i]) << ") ";
    if (outcomes[i].exit_code >= 0)
      std::cerr << "failed (exit " << outcomes[i].exit_code << ")";
    else
      std::cerr << "has no results";
    if (!outcomes[i].note.empty()) std::cerr << ": " << outcomes[i].note;
    std::cerr << "; see " << where << (fs::exists(where + "/run.log") ? "/run.log" : "/") << "\n";
  }
  std::cout << "sweep " << s.name << ": " << s.points.size() << " points, ";
  if (aggregated_only)
    std::cout << s.points.size() - failed << " with results, " << failed << " without";
  else
    std::cout << ran << " run, " << skipped << " skipped, " << failed << " failed";
  std::cout << "; results in " << out << "/sweep.csv\n";
  return failed ? 1 : 0;
}

// ---- Slurm ------------------------------------------------------------------

// Options of the emitted scripts (--slurm-time, --slurm-partition); "" = Slurm's default.
struct SlurmOptions {
  std::string time, partition;
};

// The #SBATCH lines of both scripts for `options`.
std::string sbatch_lines(const SlurmOptions& options) {
  std::string out;
  if (!options.time.empty()) out += "#SBATCH --time=" + options.time + "\n";
  if (!options.partition.empty()) out += "#SBATCH --partition=" + options.partition + "\n";
  return out;
}

// The job array and the aggregation script. A task whose point is done (stats.json of a
// run not interrupted, no failed.txt) exits at once, so that resubmitting the array reruns
// only what is missing, as a local rerun does; a failed task records failed.txt ("exit N")
// as a local sweep does. Each point's output goes to its run.log, so Slurm's own output
// files would stay empty: the array sends them to /dev/null, and the aggregation writes its
// report to DIR/slurm-aggregate-JOBID.out, not into the submit folder.
std::pair<std::string, std::string> slurm_scripts(const Sweep& s, const std::string& file, const std::string& out_abs,
                                                  const std::string& exe, const SlurmOptions& options) {
  const std::string cwd = fs::current_path().string();
  const std::string sweep_abs = fs::absolute(s.file).lexically_normal().string();
  const std::size_t n = s.points.size();
  const std::size_t width = s.points.front().id.size();
  std::ostringstream a;
  a << "#!/bin/bash\n"
    << "# Slurm job array for the ebatch sweep '" << s.name << "' (" << sweep_abs << "): " << n << " points;\n"
    << "# task i runs line i+1 of " << out_abs << "/commands.txt (point i's `ebatch run`, output in points/NNNN/,\n"
    << "# its messages in points/NNNN/run.log); a task whose point is done exits at once, so a resubmission\n"
    << "# runs only the points without results.\n"
    << "# Submit: sbatch " << file << "\n"
    << "# Then build sweep.csv: sbatch --dependency=afterany:JOBID " << file << ".aggregate.sh\n"
    << "#   (or run: bash " << file << ".aggregate.sh once the array has finished)\n"
    << "#SBATCH --job-name=ebatch-" << s.name << "\n"
    << "#SBATCH --array=0-" << n - 1 << "\n"
    << "#SBATCH --ntasks=1\n"
    << "#SBATCH --cpus-per-task=1\n"
    << "#SBATCH --output=/dev/null\n"
    << sbatch_lines(options) << "#\n";
  for (const auto& p : s.points) a << "# point " << p.id << ": " << label(p) << "\n";
  a << "set -euo pipefail\n"
    << ": \"${SLURM_ARRAY_TASK_ID:?submit this script with sbatch (or set SLURM_ARRAY_TASK_ID)}\"\n"
    << "cd " << shell_quote(cwd) << "\n"
    << "cmd=$(sed -n \"$((SLURM_ARRAY_TASK_ID+1))p\" " << shell_quote(out_abs + "/commands.txt") << ")\n"
    << "[ -n \"$cmd\" ] || { echo \"no point for task $SLURM_ARRAY_TASK_ID\" >&2; exit 2; }\n"
    << "printf -v point '%0" << width << "d' \"$SLURM_ARRAY_TASK_ID\"\n"
    << "dir=" << shell_quote(out_abs + "/points") << "/$point\n"
    << "if [ -f \"$dir/stats.json\" ] && [ ! -e \"$dir/failed.txt\" ] && ! grep -q '\"" << stat::kInterruptedBy.name()
    << "\"' \"$dir/stats.json\"; then\n"
    << "  exit 0  # done by an earlier submission\n"
    << "fi\n"
    << "rm -f \"$dir/failed.txt\"\n"
    << "rc=0\n"
    << "bash -c \"$cmd\" || rc=$?\n"
    << "[ \"$rc\" -eq 0 ] || echo \"exit $rc\" > \"$dir/failed.txt\"\n"
    << "exit \"$rc\"\n";
  std::ostringstream g;
  g << "#!/bin/bash\n"
    << "# Builds " << out_abs << "/sweep.csv once the Slurm array " << file << " has finished\n"
    << "# (exit 1 and the list of points without results if some failed).\n"
    << "#SBATCH --job-name=ebatch-" << s.name << "-aggregate\n"
    << "#SBATCH --ntasks=1\n";
  if (out_abs.find_first_of(" \t") == std::string::npos)
    g << "#SBATCH --output=" << out_abs << "/slurm-aggregate-%j.out\n";
  else
    g << "#SBATCH --output=/dev/null\n";
  g << sbatch_lines(options) << "set -euo pipefail\n"
    << "cd " << shell_quote(cwd) << "\n"
    << "exec " << shell_quote(exe) << " sweep " << shell_quote(sweep_abs) << " --out " << shell_quote(out_abs)
    << " --aggregate-only\n";
  return {a.str(), g.str()};
}

// A value for an #SBATCH line: letters, digits and :,._- only.
std::string slurm_value(const po::variables_map& vm, const char* option) {
  if (!vm.count(option)) return "";
  const std::string v = vm[option].as<std::string>();
  if (v.empty() ||
      v.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:,._-") != std::string::npos)
    throw InputError(std::string("ebatch sweep: --") + option + " '" + v +
                     "': use letters, digits and :,._- only (e.g. 1:00:00, or a partition name)");
  if (!vm.count("emit-slurm")) throw InputError(std::string("ebatch sweep: --") + option + " goes with --emit-slurm");
  return v;
}

const char* const kHelp =
    "usage: ebatch sweep SWEEP.yaml [--jobs J] [--out DIR] [--emit-slurm FILE] [--dry-run]\n"
    "                   [--aggregate-only] [--progress] [--runner auto|parallel|fork]\n"
    "Runs one experiment over a grid of overrides, one `ebatch run` per point, J at a time\n"
    "(GNU parallel when installed, else forked children), and writes DIR/sweep.csv.\n"
    "SWEEP.yaml:\n"
    "  experiment: ../experiments/default.yaml    # relative to the sweep file\n"
    "  name: my_sweep                             # optional; default: the file's name\n"
    "  set: {workload.requests: 200}              # optional; every point\n"
    "  grid: {policy.slots: [4, 8], policy.window_steps: [16, 64]}   # cartesian, last key fastest\n"
    "  points: [{policy.kind: padded, policy.slots: 8}]             # optional; after the grid\n"
    "  metrics: [throughput_sequences_per_s, latency_s.p99]         # optional; stats.json keys\n"
    "DIR (default results/sweeps/NAME): commands.txt (one command per point), points/NNNN/\n"
    "(point.yaml, resolved.yaml, stats.json, requests.csv, run.log), sweep.csv (point, swept\n"
    "keys, metrics, in point order). Points already done (stats.json, same point.yaml) are skipped.\n"
    "  --jobs J          points run at once (default 1)\n"
    "  --emit-slurm FILE write a Slurm job array FILE (task i = point i) and FILE.aggregate.sh\n"
    "                    (runs --aggregate-only); nothing runs here. Resubmitting FILE runs only\n"
    "                    the points without results\n"
    "  --slurm-time T, --slurm-partition P   #SBATCH --time and --partition of both scripts\n"
    "  --aggregate-only  build sweep.csv from the points already run\n"
    "  --dry-run         validate every point and list them; write nothing\n"
    "  --progress        when stderr is not a terminal, a progress line per finished point\n"
    "                    (without it: a line every 5 s, and one at the end)\n"
    "  --runner R        auto (GNU parallel if installed), parallel or fork\n"
    "Exit codes: 0 ok, 2 bad input (nothing written), 1 some point failed (the others are kept).\n";

}  // namespace

void read_sweep_file(const std::string& file) { parse_sweep(file); }

int command_sweep(const std::vector<std::string>& args) {
  po::options_description opts;
  opts.add_options()("help,h", "")("sweep", po::value<std::string>(), "")("jobs,j", po::value<int>()->default_value(1),
                                                                          "")("out", po::value<std::string>(), "")(
      "emit-slurm", po::value<std::string>(), "")("slurm-time", po::value<std::string>(), "")(
      "slurm-partition", po::value<std::string>(), "")("dry-run", "")("aggregate-only", "")("progress", "")(
      "runner", po::value<std::string>()->default_value("auto"), "");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& err) {
    throw InputError(std::string("ebatch sweep: ") + err.what() + " (see ebatch sweep --help)");
  }
  if (vm.count("help")) {
    std::cout << kHelp;
    return 0;
  }
  if (!vm.count("sweep")) throw InputError("ebatch sweep: missing SWEEP.yaml (see ebatch sweep --help)");
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw InputError("ebatch sweep: --jobs must be at least 1");
  const std::string runner = vm["runner"].as<std::string>();
  if (runner != "auto" && runner != "parallel" && runner != "fork")
    throw InputError("ebatch sweep: --runner: unknown runner '" + runner + "' (auto, parallel, fork)");
  const bool dry_run = vm.count("dry-run") > 0, aggregate_only = vm.count("aggregate-only") > 0;
  const std::string slurm = vm.count("emit-slurm") ? vm["emit-slurm"].as<std::string>() : "";
  if (aggregate_only && (dry_run || !slurm.empty()))
    throw InputError("ebatch sweep: --aggregate-only goes without --dry-run and --emit-slurm");

  const SlurmOptions slurm_options{slurm_value(vm, "slurm-time"), slurm_value(vm, "slurm-partition")};
  Sweep s = parse_sweep(vm["sweep"].as<std::string>());
  const std::string out = vm.count("out") ? vm["out"].as<std::string>() : "results/sweeps/" + s.name;
  if (out.empty()) throw InputError("ebatch sweep: --out: empty folder name");
  const std::string out_abs = fs::absolute(out).lexically_normal().string();
  const std::string exe = self_path();
  prepare(s, out_abs, exe);  // every point validated before anything is written
  std::error_code ec;
  if (!slurm.empty()) {
    const fs::path parent = fs::absolute(slurm).parent_path();
    if (!fs::is_directory(parent, ec))
      throw InputError("ebatch sweep: --emit-slurm " + slurm + ": folder '" + parent.string() + "' not found");
    for (const std::string& script : {slurm, slurm + ".aggregate.sh"})
      if (fs::is_directory(script, ec))
        throw InputError("ebatch sweep: --emit-slurm " + slurm + ": " + (script == slurm ? "" : script + " ") +
                         "is a folder (give the job script's file name)");
  }
  if (aggregate_only && !fs::is_directory(out, ec))
    throw InputError("ebatch sweep: " + out + ": no such sweep folder (run the sweep first)");

  std::vector<bool> done(s.points.size());
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < s.points.size(); ++i) skipped += (done[i] = point_done(s.points[i])) ? 1 : 0;

  if (dry_run) {
    std::cout << "sweep " << s.name << ": " << s.points.size() << " points of " << s.experiment << " into " << out
              << " (" << skipped << " already done); dry run, nothing written\n";
    for (std::size_t i = 0; i < s.points.size(); ++i)
      std::cout << "  point " << s.points[i].id << ": " << label(s.points[i]) << (done[i] ? "  [done]" : "") << "\n";
    if (!slurm.empty()) std::cout << "would write " << slurm << " and " << slurm << ".aggregate.sh\n";
    return 0;
  }
  if (aggregate_only) {
    const OutputFolder folder(out, "ebatch sweep");
    std::vector<Outcome> outcomes(s.points.size());
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      int rc = -1;  // failed.txt: "exit N", written when a local run fails
      std::istringstream(read_text(s.points[i].dir + "/failed.txt")).ignore(5) >> rc;
      outcomes[i] =
          done[i] ? Outcome{true, 0, ""} : Outcome{false, rc, rc < 0 ? "not run, still running, or failed" : ""};
    }
    write_sweep_csv(s, out, outcomes);
    return report(s, out, outcomes, 0, skipped, true);
  }

  const bool have_parallel = slurm.empty() && runner != "fork" && gnu_parallel_available();
  if (runner == "parallel" && slurm.empty() && !have_parallel)
    throw InputError("ebatch sweep: --runner parallel: GNU parallel is not installed (apt-get install parallel)");

  // The scripts' temporaries first: a script that cannot be written stops before any folder is made.
  std::unique_ptr<AtomicFile> array_script, aggregate_script;
  if (!slurm.empty()) {
    const auto [array_text, aggregate_text] = slurm_scripts(s, slurm, out_abs, exe, slurm_options);
    array_script = std::make_unique<AtomicFile>(slurm);
    aggregate_script = std::make_unique<AtomicFile>(slurm + ".aggregate.sh");
    array_script->write(array_text);
    aggregate_script->write(aggregate_text);
  }
  // One sweep at a time in DIR: a second one would clear the points the first is running.
  const OutputFolder folder(out, "ebatch sweep");
  // Folders: a point not done starts from an empty folder with its point.yaml.
  fs::create_directories(out + "/points", ec);
  if (ec) throw OutputError(out + "/points", ec.message());
  for (std::size_t i = 0; i < s.points.size(); ++i) {
    if (done[i]) continue;
    fs::remove_all(s.points[i].dir, ec);
    fs::create_directories(s.points[i].dir, ec);
    if (ec) throw InputError(s.points[i].dir + ": cannot be created: " + ec.message());
    write_file_atomically(s.points[i].dir + "/point.yaml", s.points[i].point_yaml);
  }
  write_file_atomically(out + "/commands.txt", commands_text(s));

  if (!slurm.empty()) {
    array_script->commit();
    aggregate_script->commit();
    chmod(slurm.c_str(), 0755);
    chmod((slurm + ".aggregate.sh").c_str(), 0755);
    std::cout << "wrote " << slurm << ": a Slurm array of " << s.points.size() << " tasks, one per point (sbatch "
              << slurm << "),\nand " << slurm << ".aggregate.sh, which builds " << out
              << "/sweep.csv when the array has finished; nothing was run\n";
    return 0;
  }

  // Run the points not done, J at a time.
  std::vector<std::size_t> pending;
  std::vector<std::string> commands;
  for (std::size_t i = 0; i < s.points.size(); ++i)
    if (!done[i]) pending.push_back(i), commands.push_back(s.points[i].command);
  const bool use_parallel = !pending.empty() && have_parallel;
  std::cerr << "sweep " << s.name << ": " << s.points.size() << " points, " << skipped << " skipped (already done), "
            << pending.size() << " to run with " << jobs << (jobs == 1 ? " job" : " jobs")
            << (pending.empty() ? ""
                : use_parallel  ? " (GNU parallel)"
                                : " (forked)")
            << "\n";
  std::vector<Outcome> outcomes(s.points.size());
  for (std::size_t i = 0; i < s.points.size(); ++i)
    if (done[i]) outcomes[i].ok = true;
  Progress progress("sweep", "points", s.points.size(), skipped, pending.size(), vm.count("progress") > 0);
  const JobDoneFn on_done = [&](std::size_t job, int rc) {
    const Point& p = s.points[pending[job]];
    Outcome& o = outcomes[pending[job]];
    o.exit_code = rc;
    o.ok = rc == 0 && fs::exists(p.dir + "/stats.json");
    if (rc == 0 && !o.ok) o.note = "no stats.json";
    if (!o.ok) {  // recorded, so that a rerun does not take its stats.json (if any) for done
      write_file_atomically(p.dir + "/failed.txt", "exit " + std::to_string(rc) + "\n");
    }
    progress.finished(o.ok);
  };
  const std::size_t to_run = pending.size();
  if (use_parallel) {
    const std::vector<std::size_t> missed = run_gnu_parallel(commands, jobs, out, on_done, progress);
    if (!missed.empty()) {
      std::cerr << "\nwarning: GNU parallel did not run " << missed.size() << " points; running them directly\n";
      std::vector<std::string> rest;
      std::vector<std::size_t> rest_pending;
      for (std::size_t j : missed) rest.push_back(commands[j]), rest_pending.push_back(pending[j]);
      pending = rest_pending;
      run_forked(rest, jobs, on_done, [&] { progress.tick(); });
    }
  } else {
    run_forked(commands, jobs, on_done, [&] { progress.tick(); });
  }
  progress.end();
  write_sweep_csv(s, out, outcomes);
  return report(s, out, outcomes, to_run, skipped, false);
}

}  // namespace ebatch::cli
