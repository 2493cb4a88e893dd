// Progress of a command that runs many `ebatch run` children (sweep, reproduce) on
// stderr: "sweep: 4/6 points done (2 skipped), 1 failed, about 12s left".
// On a terminal the line is rewritten in place as each child ends and every second;
// otherwise (a log, a pipe, a batch job) a line is printed every few seconds while
// work goes on (each_finish: also one per finished child) and a last one at the end,
// so that a log shows the command is alive and how long it has left.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace ebatch::cli {

// "<1s", "42s", "3m05s", "2h10m".
std::string format_duration(double seconds);

class Progress {
 public:
  // label: "sweep"; unit: "points"; total = skipped + to_run.
  Progress(std::string label, std::string unit, std::size_t total, std::size_t skipped, std::size_t to_run,
           bool each_finish = false);
  void finished(bool ok);
  void tick();  // call often while waiting
  void end();   // the last line

  // Seconds between lines when stderr is not a terminal.
  static constexpr double kLogInterval = 5.0;

 private:
  void draw();
  std::string label_, unit_;
  bool tty_, each_finish_, drawn_ = false, ended_ = false;
  std::size_t total_, skipped_, to_run_, ok_ = 0, failed_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_ = start_;
};

}  // namespace ebatch::cli
