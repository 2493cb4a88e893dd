// Parsing of quantities written with human units in configs and on the
// command line. Everything is converted to SI base units held in doubles
// (bytes, hertz, seconds, bytes per second, joules, watts, events per second).
//
// Accepted: a number, optional space, a unit: "2 MiB", "500MHz", "10 us",
// "34 GB/s", "0.75 pJ", "5 mW", "200 /s". Decimal prefixes are powers of 1000,
// binary prefixes (KiB, MiB, GiB) powers of 1024. A bare number is rejected
// (except zero for times) so a forgotten unit never passes silently.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ebatch::units {

// Thrown with a reason such as "unknown unit 'Mhz' for a frequency (use Hz, kHz, MHz, GHz)".
class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The longest time any config key may give, and the latest a request may arrive: SystemC's
// time (64-bit picoseconds, signed arithmetic in places) ends near 9.2e6 s, beyond which
// times pin silently or waits never end; 1e6 s (11.6 days) keeps every sum well inside.
inline constexpr double kMaxSimulatedSeconds = 1e6;

// True if `text` (after blanks and a sign) starts with 0x: strtod would read it as hexadecimal,
// which configs never mean ("0x10 MiB", "0x1p30 Hz" are refused).
bool is_hex_number(const std::string& text);
std::uint64_t parse_size(const std::string& text);  // bytes; must be a whole number of bytes
double parse_frequency(const std::string& text);    // Hz
double parse_time(const std::string& text);         // s
double parse_bandwidth(const std::string& text);    // bytes/s ("Gb/s", "Gbit/s" are bits)
double parse_energy(const std::string& text);       // J
double parse_power(const std::string& text);        // W
double parse_rate(const std::string& text);         // events/s ("200 /s", "200/ms", "5 Hz")

// Readable forms for summaries: "2 MiB", "500 MHz", "12.5 us", "34 GB/s".
std::string format_size(double bytes);
std::string format_frequency(double hz);
std::string format_time(double seconds);
std::string format_bandwidth(double bytes_per_s);
std::string format_energy(double joules);

}  // namespace ebatch::units
