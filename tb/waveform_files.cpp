#include "tb/waveform_files.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <systemc>

#include "common/atomic_file.h"
#include "common/errors.h"

namespace ebatch {

double vcd_time_unit_s() { return sc_core::sc_get_time_resolution().to_seconds(); }

void set_vcd_time_unit(sc_core::sc_trace_file* vcd) { vcd->set_time_unit(vcd_time_unit_s(), sc_core::SC_SEC); }

namespace {

// Seconds per unit of a VCD "$timescale" body ("1 ps", "10ns"); 0 if it is not one.
double timescale_seconds(const std::string& text) {
  std::istringstream in(text);
  double count = 0;
  std::string unit;
  if (!(in >> count)) return 0;
  if (!(in >> unit)) return 0;
  const std::map<std::string, double> units = {{"s", 1},     {"ms", 1e-3},  {"us", 1e-6},
                                               {"ns", 1e-9}, {"ps", 1e-12}, {"fs", 1e-15}};
  const auto u = units.find(unit);
  return u == units.end() || count <= 0 ? 0 : count * u->second;
}

}  // namespace

void window_vcd(const std::string& path, double from_s, double to_s) {
  std::ifstream in(path);
  if (!in) throw OutputError(path, "cannot read the trace back to cut its window");
  AtomicFile out(path);  // replaces the input when committed
  auto put = [&out](const std::string& line) { out.write(line + "\n"); };
  std::string line, timescale;
  bool in_timescale = false;
  while (std::getline(in, line)) {  // header, copied as it is
    put(line);
    if (line.find("$timescale") != std::string::npos) {
      in_timescale = true;
      line = line.substr(line.find("$timescale") + 10);
    }
    if (in_timescale) {
      const auto end = line.find("$end");
      timescale += " " + line.substr(0, end);
      if (end != std::string::npos) in_timescale = false;
    }
    if (line.find("$enddefinitions") != std::string::npos) break;
  }
  const double unit_s = timescale_seconds(timescale);
  if (unit_s <= 0) throw OutputError(path, "the trace has no $timescale to cut its window by");
  // Window ends in VCD units, rounded outwards (relative slack for from_s / unit_s not being exact).
  const auto from_units = static_cast<long long>(std::floor(from_s / unit_s * (1 + 1e-12)));
  const long long to_units = to_s > 0 ? static_cast<long long>(std::ceil(to_s / unit_s * (1 - 1e-12))) : -1;
  std::map<std::string, std::string> value;  // identifier -> its last value change line
  bool inside = false;
  long long now = 0;
  auto open_window = [&] {
    put("#" + std::to_string(from_units) + "\n$dumpvars");
    for (const auto& [id, change] : value) put(change);
    put("$end");
    inside = true;
  };
  bool in_comment = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (in_comment || line.rfind("$comment", 0) == 0) {  // comment blocks are dropped
      in_comment = line.find("$end") == std::string::npos;
      continue;
    }
    if (line[0] == '#') {
      now = std::stoll(line.substr(1));
      if (to_units >= 0 && now > to_units) break;
      if (!inside && now >= from_units) {
        open_window();
        if (now == from_units) continue;  // "#from" is already written
      }
      if (inside) put(line);
      continue;
    }
    if (line[0] == '$') {
      if (inside) put(line);
      continue;
    }
    // A value change: scalar "0!" or vector/real "b101 !" / "r1.5 !".
    const char kind = line[0];
    const std::string id =
        (kind == 'b' || kind == 'B' || kind == 'r' || kind == 'R') ? line.substr(line.find(' ') + 1) : line.substr(1);
    value[id] = line;
    if (inside) put(line);
  }
  if (!inside) open_window();
  in.close();
  out.commit();
}

void write_gtkw(const std::string& path, const std::string& vcd_file, const std::vector<WaveGroup>& groups,
                double end_s) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path save = fs::absolute(path, ec).lexically_normal();
  const fs::path dump = (save.parent_path() / vcd_file).lexically_normal();
  std::ostringstream out;
  out << "[*] GTKWave save file written by ebatch: gtkwave " << path << "\n";
  out << "[dumpfile] \"" << dump.string() << "\"\n";
  out << "[savefile] \"" << save.string() << "\"\n";
  out << "[timestart] 0\n[size] 1400 900\n[pos] -1 -1\n";
  // Zoom so the whole run fits the wave pane (about 800 pixels). Measured with GTKWave 3.3.118:
  // one pixel shows 2^-zoom / 200 VCD time units.
  if (end_s > 0) {
    char zoom[64];
    std::snprintf(zoom, sizeof zoom, "*%.6f -1", std::log2(800.0 / (200.0 * end_s / vcd_time_unit_s())));
    out << zoom;
    for (int i = 0; i < 26; ++i) out << " -1";
    out << "\n";
  }
  out << "[sst_width] 250\n[signals_width] 300\n[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  for (const auto& g : groups) {
    out << "@800200\n-" << g.name << "\n";
    if (!g.note.empty()) out << "@200\n-" << g.note << "\n";  // a blank row carrying a comment
    for (const auto& [name, width] : g.signals) {
      // Shown under its path below the top scope ("runtime slot0 request"), not its leaf name.
      std::string alias = name.substr(name.find('.') + 1);
      for (char& c : alias)
        if (c == '.') c = ' ';  // GTKWave would cut a dotted alias to its last part
      alias = "+{" + alias + "} ";
      if (width == 1)
        out << "@28\n" << alias << name << "\n";
      else
        out << "@424\n" << alias << name << "[" << width - 1 << ":0]\n";
    }
    out << "@1000200\n-" << g.name << "\n";
  }
  write_file_atomically(path, out.str());
}

}  // namespace ebatch
