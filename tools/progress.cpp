#include "tools/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <utility>

namespace ebatch::cli {

std::string format_duration(double s) {
  char buf[32];
  if (s < 1) return "<1s";
  const long t = std::lround(s);
  if (t < 60)
    std::snprintf(buf, sizeof buf, "%lds", t);
  else if (t < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
  return buf;
}

Progress::Progress(std::string label, std::string unit, std::size_t total, std::size_t skipped, std::size_t to_run,
                   bool each_finish)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      tty_(isatty(STDERR_FILENO)),
      each_finish_(each_finish),
      total_(total),
      skipped_(skipped),
      to_run_(to_run) {}

void Progress::finished(bool ok) {
  (ok ? ok_ : failed_)++;
  if (tty_ || each_finish_) draw();
}

void Progress::tick() {
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_).count();
  if (since >= (tty_ ? 1.0 : kLogInterval)) draw();
}

void Progress::end() {
  if (ended_) return;
  ended_ = true;
  if (!tty_)
    draw();
  else if (drawn_)
    std::cerr << "\n";
}

void Progress::draw() {
  last_ = std::chrono::steady_clock::now();
  const std::size_t finished = ok_ + failed_;
  std::string line =
      label_ + ": " + std::to_string(skipped_ + finished) + "/" + std::to_string(total_) + " " + unit_ + " done";
  if (skipped_) line += " (" + std::to_string(skipped_) + " skipped)";
  line += ", " + std::to_string(failed_) + " failed, ";
  const double elapsed = std::chrono::duration<double>(last_ - start_).count();
  if (finished == to_run_) {
    line += "finished in " + format_duration(elapsed);
  } else if (finished == 0) {
    line += format_duration(elapsed) + " so far, estimating time left";
  } else {
    line += "about " + format_duration(elapsed / double(finished) * double(to_run_ - finished)) + " left";
  }
  if (tty_)
    std::cerr << "\r\033[K" << line << std::flush;
  else
    std::cerr << line << "\n" << std::flush;
  drawn_ = true;
}

}  // namespace ebatch::cli
