// The one ZIP writer: stored (uncompressed) members, as numpy.savez writes
// them, streamed to an AtomicFile (common/atomic_file.h) so members never sit
// in memory together and an archive not committed leaves nothing behind.
// Fixed DOS timestamp 1980-01-01 00:00 and Unix rw-r--r-- attributes keep the
// bytes reproducible. Limit: 4 GiB and 65534 members (no zip64): InputError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/atomic_file.h"

namespace ebatch {

// CRC-32 (as ZIP uses it) of n bytes, continuing from `crc` (0 to start).
std::uint32_t zip_crc32(std::uint32_t crc, const void* data, std::size_t size);

class ZipWriter {
 public:
  explicit ZipWriter(const std::string& path) : file_(path) {}

  // A member whose size and CRC are known up front; its bytes follow through
  // write_data() (exactly `size` of them) before the next member or commit().
  void begin_member(const std::string& name, std::uint64_t size, std::uint32_t crc);
  void write_data(const void* data, std::size_t size) { file_.write(data, size); }
  // A whole member in memory.
  void add(const std::string& name, const std::vector<unsigned char>& bytes);
  // Writes the central directory and renames the archive into place.
  void commit();
  std::size_t members() const { return members_.size(); }

 private:
  struct Member {
    std::string name;
    std::uint32_t crc, size, offset;
  };
  AtomicFile file_;
  std::uint64_t offset_ = 0;
  std::vector<Member> members_;
};

}  // namespace ebatch
