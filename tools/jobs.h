// Child processes for the commands that run many simulations (`ebatch compare`,
// `sweep`, `reproduce`): SystemC elaborates once per process, so every run is
// its own `ebatch run` child.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ebatch::cli {

// This executable's path (/proc/self/exe), or "ebatch" if it cannot be read.
std::string self_path();

// `s` quoted for /bin/sh when it holds anything beyond a safe set of characters.
std::string shell_quote(const std::string& s);

// The exit code of a waitpid() status: the code itself, or 128 + the signal.
int exit_code_of(int status);

// Runs the shell commands `jobs` at a time (/bin/sh -c, forked here); calls
// done(index, exit code) as each ends and tick() about every 50 ms while waiting.
using JobDoneFn = std::function<void(std::size_t index, int exit_code)>;
void run_forked(const std::vector<std::string>& commands, int jobs, const JobDoneFn& done,
                const std::function<void()>& tick = {});

}  // namespace ebatch::cli
