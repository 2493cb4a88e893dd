#include "common/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace ebatch::units {

bool is_hex_number(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  return i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X');
}

namespace {

struct Unit {
  const char* name;
  double factor;
};

struct Split {
  double value;
  std::string unit;
};

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string with_article(const char* what) { return std::string(std::strchr("aeiou", what[0]) ? "an " : "a ") + what; }

Split split_number(const std::string& raw, const char* what) {
  const std::string text = trim(raw);
  if (text.empty()) throw UnitError(std::string("empty ") + what);
  if (is_hex_number(text)) throw UnitError("'" + text + "': write the number in decimal, not hexadecimal");
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin) throw UnitError("'" + text + "' is not " + with_article(what) + " (expected a number and a unit)");
  if (!std::isfinite(value)) throw UnitError("'" + text + "' is not a finite number");
  if (value < 0) throw UnitError("'" + text + "' is negative");
  return {value, trim(std::string(end))};
}

std::string unit_list(const std::vector<Unit>& units) {
  std::string out;
  for (const auto& u : units) {
    if (!out.empty()) out += ", ";
    out += u.name;
  }
  return out;
}

double parse_with(const std::string& text, const char* what, const std::vector<Unit>& table,
                  bool bare_zero_ok = false) {
  const Split s = split_number(text, what);
  if (s.unit.empty()) {
    if (bare_zero_ok && s.value == 0) return 0;
    throw UnitError("'" + trim(text) + "' has no unit; write " + with_article(what) + " like '" + std::string("1 ") +
                    table.front().name + "' (units: " + unit_list(table) + ")");
  }
  for (const auto& u : table)
    if (s.unit == u.name) return s.value * u.factor;
  throw UnitError("unknown unit '" + s.unit + "' for " + with_article(what) + " (units: " + unit_list(table) + ")");
}

const std::vector<Unit> kSizeUnits = {
    {"B", 1},    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"kB", 1e3},
    {"KB", 1e3}, {"MB", 1e6},     {"GB", 1e9},        {"bytes", 1},          {"byte", 1},
};
const std::vector<Unit> kFrequencyUnits = {{"MHz", 1e6}, {"Hz", 1}, {"kHz", 1e3}, {"GHz", 1e9}};
const std::vector<Unit> kTimeUnits = {{"ns", 1e-9}, {"ps", 1e-12}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"min", 60}};
const std::vector<Unit> kBandwidthUnits = {
    {"GB/s", 1e9},       {"B/s", 1},        {"kB/s", 1e3},        {"KB/s", 1e3},           {"MB/s", 1e6},
    {"TB/s", 1e12},      {"KiB/s", 1024.0}, {"MiB/s", 1048576.0}, {"GiB/s", 1073741824.0}, {"Gb/s", 1e9 / 8},
    {"Gbit/s", 1e9 / 8}, {"Mb/s", 1e6 / 8}, {"Mbit/s", 1e6 / 8},
};
const std::vector<Unit> kEnergyUnits = {{"pJ", 1e-12}, {"fJ", 1e-15}, {"nJ", 1e-9},
                                        {"uJ", 1e-6},  {"mJ", 1e-3},  {"J", 1}};
const std::vector<Unit> kPowerUnits = {{"mW", 1e-3}, {"nW", 1e-9}, {"uW", 1e-6}, {"W", 1}};
const std::vector<Unit> kRateUnits = {{"/s", 1}, {"/ms", 1e3}, {"/us", 1e6}, {"req/s", 1}, {"Hz", 1}, {"kHz", 1e3}};

std::string format_scaled(double value, const std::vector<std::pair<double, const char*>>& scale) {
  for (const auto& [factor, name] : scale) {
    if (std::fabs(value) >= factor || factor == scale.back().first) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.4g %s", value / factor, name);
      return buf;
    }
  }
  return "0";
}

}  // namespace

std::uint64_t parse_size(const std::string& text) {
  const double bytes = parse_with(text, "size", kSizeUnits);
  if (bytes != std::floor(bytes)) throw UnitError("'" + trim(text) + "' is not a whole number of bytes");
  if (bytes > 1.8e19) throw UnitError("'" + trim(text) + "' is too large");
  return static_cast<std::uint64_t>(bytes);
}
double parse_frequency(const std::string& text) { return parse_with(text, "frequency", kFrequencyUnits); }
double parse_time(const std::string& text) { return parse_with(text, "time", kTimeUnits, true); }
double parse_bandwidth(const std::string& text) { return parse_with(text, "bandwidth", kBandwidthUnits); }
double parse_energy(const std::string& text) { return parse_with(text, "energy", kEnergyUnits); }
double parse_power(const std::string& text) { return parse_with(text, "power", kPowerUnits, true); }
double parse_rate(const std::string& text) {
  // "200/s" splits as 200 and "/s"; also accept "200 per s".
  return parse_with(text, "rate", kRateUnits);
}

std::string format_size(double bytes) {
  return format_scaled(bytes, {{1073741824.0, "GiB"}, {1048576.0, "MiB"}, {1024.0, "KiB"}, {1, "B"}});
}
std::string format_frequency(double hz) {
  return format_scaled(hz, {{1e9, "GHz"}, {1e6, "MHz"}, {1e3, "kHz"}, {1, "Hz"}});
}
std::string format_time(double s) {
  return format_scaled(s, {{1, "s"}, {1e-3, "ms"}, {1e-6, "us"}, {1e-9, "ns"}, {1e-12, "ps"}});
}
std::string format_bandwidth(double bps) {
  return format_scaled(bps, {{1e12, "TB/s"}, {1e9, "GB/s"}, {1e6, "MB/s"}, {1e3, "kB/s"}, {1, "B/s"}});
}
std::string format_energy(double j) {
  return format_scaled(j, {{1, "J"}, {1e-3, "mJ"}, {1e-6, "uJ"}, {1e-9, "nJ"}, {1e-12, "pJ"}});
}

}  // namespace ebatch::units
