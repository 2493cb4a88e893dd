#include "tools/jobs.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

namespace ebatch::cli {

std::string self_path() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "ebatch" : p.string();
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+@%-") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

void run_forked(const std::vector<std::string>& commands, int jobs, const JobDoneFn& done,
                const std::function<void()>& tick) {
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  while (next < commands.size() || !running.empty()) {
    while (running.size() < std::size_t(jobs) && next < commands.size()) {
      std::cout.flush();
      std::cerr.flush();
      const pid_t pid = fork();
      if (pid == 0) {
        execl("/bin/sh", "sh", "-c", commands[next].c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      if (pid < 0) {
        done(next++, 126);
        continue;
      }
      running[pid] = next++;
    }
    int status = 0;
    const pid_t r = waitpid(-1, &status, WNOHANG);
    if (r > 0) {
      const auto it = running.find(r);
      if (it != running.end()) {
        done(it->second, exit_code_of(status));
        running.erase(it);
      }
      continue;
    }
    if (r < 0 && errno == ECHILD) break;
    if (tick) tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace ebatch::cli
