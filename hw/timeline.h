// A Chrome/Perfetto trace-event timeline (JSON), streamed to disk as events
// happen: complete events ("ph":"X") on named tracks grouped by process, and
// instant events ("ph":"i"). Loads in ui.perfetto.dev and chrome://tracing.
//
// Every track holds non-overlapping events (well nested): callers record
// sequential activities per track; request lifetimes, which overlap, go to
// lanes chosen so that no two overlap (add_lifetime). Only events that
// intersect [from, to] are kept (to <= 0: until the end). Times are seconds of
// simulated time, rounded to whole picoseconds (the kernel's resolution) and written
// exactly, as microseconds with six decimals, so slices on one track never overlap.
// Ignores: flow arrows between events, counters.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/atomic_file.h"

namespace ebatch {

class Timeline {
 public:
  Timeline(const std::string& path, double from_s, double to_s);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  using Args = std::vector<std::pair<std::string, std::string>>;  // values already JSON
  void complete(const std::string& group, const std::string& track, const std::string& name, double start_s,
                double end_s, const Args& args = {});
  void instant(const std::string& group, const std::string& track, const std::string& name, double at_s,
               const Args& args = {});
  // A lifetime that may overlap others: placed on the first free "lane N" track of `group`.
  void add_lifetime(const std::string& group, const std::string& name, double start_s, double end_s,
                    const Args& args = {});
  // Writes the track names and renames the file into place (OutputError if it cannot).
  void close();
  std::uint64_t events() const { return events_; }

 private:
  int track_id(const std::string& group, const std::string& track, int& pid);
  bool in_window(double start_s, double end_s) const;
  void write_event(const std::string& body);

  std::unique_ptr<AtomicFile> file_;  // null once closed
  double from_s_, to_s_;
  std::uint64_t events_ = 0;
  std::map<std::string, int> pids_;
  std::map<std::pair<int, std::string>, int> tids_;
  std::map<std::string, std::vector<double>> lane_ends_;  // per group
};

}  // namespace ebatch
