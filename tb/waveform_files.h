// Files around a VCD waveform: its time unit, a time-window filter that keeps long
// runs' traces small, and a GTKWave save file (.gtkw) with the signals grouped.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sc_core {
class sc_trace_file;
}

namespace ebatch {

// The VCD time unit is the kernel's time resolution (1 ps by default), so every kernel
// time is a whole number of VCD units: with a coarser unit SystemC reports warning W713
// ("current kernel time is not representable in VCD time units") at every change that
// falls between two units, thousands of lines on stdout for one traced run.
double vcd_time_unit_s();
void set_vcd_time_unit(sc_core::sc_trace_file* vcd);

// Rewrites `path` (a VCD; its $timescale is read from the header) to hold only
// [from_s, to_s] (to_s <= 0: to the end): the header, every signal's value at from_s,
// then the changes inside the window. OutputError if the file cannot be read back or
// rewritten, or its header has no timescale.
void window_vcd(const std::string& path, double from_s, double to_s);

struct WaveGroup {
  std::string name;
  std::vector<std::pair<std::string, int>> signals;  // full VCD name (SystemC.a.b) and bit width
  std::string note;                                  // shown as a comment row under the group's name ("" = none)
};
// Writes a GTKWave save file opening `vcd_file` (relative to the save file; a VCD in
// vcd_time_unit_s() units) with the groups, zoomed to show [0, end_s] (written
// atomically; OutputError if it cannot be). The save file names the VCD and itself by
// absolute path, as GTKWave's own save files do: GTKWave opens `[dumpfile]` as given
// (relative to the current folder, not to the save file), and when that fails finds the
// VCD at the same place relative to `[savefile]`, so `gtkwave DIR/trace.gtkw` works from
// any folder, also after DIR has been moved.
void write_gtkw(const std::string& path, const std::string& vcd_file, const std::vector<WaveGroup>& groups,
                double end_s);

}  // namespace ebatch
