#include "hw/timeline.h"

#include <cmath>
#include <cstdlib>

#include "common/json_writer.h"

namespace ebatch {

Timeline::Timeline(const std::string& path, double from_s, double to_s)
    : file_(std::make_unique<AtomicFile>(path)), from_s_(from_s), to_s_(to_s) {
  file_->write("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n");
}

Timeline::~Timeline() = default;

bool Timeline::in_window(double start_s, double end_s) const {
  return end_s >= from_s_ && (to_s_ <= 0 || start_s <= to_s_);
}

int Timeline::track_id(const std::string& group, const std::string& track, int& pid) {
  auto p = pids_.find(group);
  if (p == pids_.end()) p = pids_.emplace(group, int(pids_.size()) + 1).first;
  pid = p->second;
  const auto key = std::make_pair(pid, track);
  auto t = tids_.find(key);
  if (t == tids_.end()) t = tids_.emplace(key, int(tids_.size()) + 1).first;
  return t->second;
}

void Timeline::write_event(const std::string& body) {
  if (events_) file_->write(",\n");
  file_->write(body);
  ++events_;
}

namespace {

std::string args_json(const Timeline::Args& args) {
  std::string out = "{";
  for (std::size_t i = 0; i < args.size(); ++i)
    out += (i ? ", " : "") + JsonWriter::escape(args[i].first) + ": " + args[i].second;
  return out + "}";
}

// Times are whole picoseconds (the kernel's resolution), written as microseconds with six
// decimals: exact, so a slice that starts where the previous one on its track ends does not
// overlap it by a rounding error. Durations are differences of the rounded ends.
long long picoseconds(double seconds) { return std::llround(seconds * 1e12); }

std::string micros(long long ps) {
  char text[40];
  std::snprintf(text, sizeof text, "%s%lld.%06lld", ps < 0 ? "-" : "", std::llabs(ps) / 1000000,
                std::llabs(ps) % 1000000);
  return text;
}

}  // namespace

void Timeline::complete(const std::string& group, const std::string& track, const std::string& name, double start_s,
                        double end_s, const Args& args) {
  if (!file_ || !in_window(start_s, end_s)) return;
  int pid = 0;
  const int tid = track_id(group, track, pid);
  write_event("{\"name\": " + JsonWriter::escape(name) + ", \"ph\": \"X\", \"pid\": " + std::to_string(pid) +
              ", \"tid\": " + std::to_string(tid) + ", \"ts\": " + micros(picoseconds(start_s)) + ", \"dur\": " +
              micros(picoseconds(end_s) - picoseconds(start_s)) + ", \"args\": " + args_json(args) + "}");
}

void Timeline::instant(const std::string& group, const std::string& track, const std::string& name, double at_s,
                       const Args& args) {
  if (!file_ || !in_window(at_s, at_s)) return;
  int pid = 0;
  const int tid = track_id(group, track, pid);
  write_event("{\"name\": " + JsonWriter::escape(name) +
              ", \"ph\": \"i\", \"s\": \"t\", \"pid\": " + std::to_string(pid) + ", \"tid\": " + std::to_string(tid) +
              ", \"ts\": " + micros(picoseconds(at_s)) + ", \"args\": " + args_json(args) + "}");
}

void Timeline::add_lifetime(const std::string& group, const std::string& name, double start_s, double end_s,
                            const Args& args) {
  auto& ends = lane_ends_[group];
  std::size_t lane = 0;
  while (lane < ends.size() && ends[lane] > start_s) ++lane;
  if (lane == ends.size()) ends.push_back(end_s);
  ends[lane] = end_s;
  char track[32];
  std::snprintf(track, sizeof track, "lane %03zu", lane);
  complete(group, track, name, start_s, end_s, args);
}

void Timeline::close() {
  if (!file_) return;
  // Names of processes and threads, as metadata events.
  for (const auto& [group, pid] : pids_)
    write_event("{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": " + std::to_string(pid) +
                ", \"args\": {\"name\": " + JsonWriter::escape(group) + "}}");
  for (const auto& [key, tid] : tids_)
    write_event("{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": " + std::to_string(key.first) + ", \"tid\": " +
                std::to_string(tid) + ", \"args\": {\"name\": " + JsonWriter::escape(key.second) + "}}");
  file_->write("\n]}\n");
  const std::unique_ptr<AtomicFile> file = std::move(file_);
  file->commit();
}

}  // namespace ebatch
