// Files around a VCD waveform: a time-window filter that keeps long runs'
// traces small, and a GTKWave save file (.gtkw) with the signals grouped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace ebatch {

// Rewrites `path` (a VCD whose timescale is 1 ns) to hold only [from_s, to_s]
// (to_s <= 0: to the end): the header, every signal's value at from_s, then the
// changes inside the window. OutputError if the file cannot be read back or rewritten.
void window_vcd(const std::string& path, double from_s, double to_s);

struct WaveGroup {
  std::string name;
  std::vector<std::pair<std::string, int>> signals;  // full VCD name (SystemC.a.b) and bit width
};
// Writes a GTKWave save file opening `vcd_file` (relative to the save file) with the groups,
// zoomed to show [0, end_s] (written atomically; OutputError if it cannot be).
void write_gtkw(const std::string& path, const std::string& vcd_file, const std::vector<WaveGroup>& groups,
                double end_s);

}  // namespace ebatch
