#include "common/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/errors.h"

namespace ebatch {
namespace {

std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

AtomicFile::AtomicFile(const std::string& path) : path_(path), tmp_(temporary_name(path)) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw OutputError(path_, std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (!file_ || error_ || size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size) error_ = errno ? errno : EIO;
  bytes_ += size;
}

void AtomicFile::commit() {
  if (!file_) throw OutputError(path_, "already committed");
  if (!error_ && (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)) error_ = errno ? errno : EIO;
  if (std::fclose(file_) != 0 && !error_) error_ = errno ? errno : EIO;
  file_ = nullptr;
  if (error_) throw OutputError(path_, std::strerror(error_));
  rename_into_place(tmp_, path_);
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  AtomicFile f(path);
  f.write(text);
  f.commit();
}

void rename_into_place(const std::string& temporary, const std::string& path) {
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw OutputError(path, std::strerror(error));
  }
}

}  // namespace ebatch
