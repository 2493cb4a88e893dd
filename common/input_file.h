// Reading the files a user hands the simulator, safely.
//
// Every input (the experiment and its includes, hardware and energy files, sweep files,
// request traces, .npy/.npz arrays) is read through read_input_file: regular files only
// (a FIFO, a device such as /dev/zero or a directory is refused at once instead of hanging
// or exhausting memory) and at most a documented size. Messages go through printable(),
// which escapes bytes a terminal would not show (NUL, control characters, invalid UTF-8),
// so an error never copies raw bytes of the input to the terminal.
#pragma once

#include <cstdint>
#include <string>

namespace ebatch {

// Largest text input (YAML, CSV traces, sweep files) and binary input (.npy/.npz) read.
inline constexpr std::uint64_t kMaxTextInputBytes = 64ull << 20;
inline constexpr std::uint64_t kMaxBinaryInputBytes = 4ull << 30;

// Checks that `path` names a regular file of at most `max_bytes` and returns its size;
// otherwise InputError "PATH: REASON" (`what` names the kind of file, e.g. "YAML file").
std::uint64_t check_input_file(const std::string& path, const char* what, std::uint64_t max_bytes);
// The whole content of a checked input file.
std::string read_input_file(const std::string& path, const char* what, std::uint64_t max_bytes = kMaxTextInputBytes);

// `text` with every byte that is not printable ASCII or part of valid UTF-8 written as \xNN
// (and \n, \t, \r as such): safe to print to a terminal.
std::string printable(const std::string& text);

}  // namespace ebatch
