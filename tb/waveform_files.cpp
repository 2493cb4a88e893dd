#include "tb/waveform_files.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errors.h"

namespace ebatch {

void window_vcd(const std::string& path, double from_s, double to_s) {
  std::ifstream in(path);
  if (!in) throw OutputError(path, "cannot read the trace back to cut its window");
  AtomicFile out(path);  // replaces the input when committed
  auto put = [&out](const std::string& line) { out.write(line + "\n"); };
  const auto from_ns = static_cast<long long>(std::floor(from_s * 1e9));
  const long long to_ns = to_s > 0 ? static_cast<long long>(std::ceil(to_s * 1e9)) : -1;
  std::string line;
  while (std::getline(in, line)) {  // header, copied as it is
    put(line);
    if (line.find("$enddefinitions") != std::string::npos) break;
  }
  std::map<std::string, std::string> value;  // identifier -> its last value change line
  bool inside = false;
  long long now = 0;
  auto open_window = [&] {
    put("#" + std::to_string(from_ns) + "\n$dumpvars");
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
      if (to_ns >= 0 && now > to_ns) break;
      if (!inside && now >= from_ns) {
        open_window();
        if (now == from_ns) continue;  // "#from" is already written
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
  std::ostringstream out;
  out << "[*] GTKWave save file written by ebatch: gtkwave " << path << "\n";
  out << "[dumpfile] \"" << vcd_file << "\"\n";
  out << "[timestart] 0\n[size] 1400 900\n[pos] -1 -1\n";
  // Zoom so the whole run fits the wave pane (about 800 pixels). Measured with GTKWave 3.3.118
  // on a 1 ns VCD: one pixel shows 2^-zoom / 200 ns.
  if (end_s > 0) {
    char zoom[64];
    std::snprintf(zoom, sizeof zoom, "*%.6f -1", std::log2(800.0 / (200.0 * end_s * 1e9)));
    out << zoom;
    for (int i = 0; i < 26; ++i) out << " -1";
    out << "\n";
  }
  out << "[sst_width] 250\n[signals_width] 300\n[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  for (const auto& g : groups) {
    out << "@800200\n-" << g.name << "\n";
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
