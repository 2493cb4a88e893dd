#include "tools/output_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/errors.h"

namespace fs = std::filesystem;

namespace ebatch::cli {

OutputFolder::OutputFolder(const std::string& dir, const std::string& what) : dir_(dir) {
  if (dir.empty()) throw InputError(what + ": --out: empty folder name");
  std::error_code ec;
  existed_ = fs::exists(dir, ec);
  if (existed_ && !fs::is_directory(dir, ec)) throw OutputError(dir, "not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw OutputError(dir, ec.message());
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw OutputError(dir, std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK)
      throw InputError(what + ": " + dir +
                       ": another ebatch command is writing into this folder; wait for it or give another --out");
    throw OutputError(dir, std::strerror(error));
  }
}

OutputFolder::~OutputFolder() {
  if (fd_ >= 0) ::close(fd_);
}

void OutputFolder::remove_files(const std::vector<std::string>& names) const {
  std::error_code ec;
  for (const auto& name : names) {
    const fs::path p = fs::path(dir_) / name;
    const auto st = fs::symlink_status(p, ec);
    if (ec || !(fs::is_regular_file(st) || fs::is_symlink(st))) continue;
    fs::remove(p, ec);
    if (p.parent_path() != fs::path(dir_) && fs::is_empty(p.parent_path(), ec)) fs::remove(p.parent_path(), ec);
  }
}

void OutputFolder::discard(const std::vector<std::string>& names) const {
  remove_files(names);
  std::error_code ec;
  if (!existed_ && fs::is_empty(dir_, ec)) fs::remove(dir_, ec);
}

bool is_folder_name(const std::string& name) {
  return !name.empty() && name.front() != '.' &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
             std::string::npos;
}

std::string fnv1a64(const std::string& text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string overrides_suffix(const std::vector<std::string>& sets) {
  if (sets.empty()) return "";
  std::string all, slug;
  for (const auto& s : sets) all += (all.empty() ? "" : "\n") + s;
  for (const auto& s : sets) {
    if (!slug.empty()) slug += '+';
    for (char c : s) slug += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '=' || c == '-' ? c : '_';
  }
  if (slug.size() > 48) slug = slug.substr(0, 39) + "-" + fnv1a64(all).substr(0, 8);
  return "-" + slug;
}

}  // namespace ebatch::cli
