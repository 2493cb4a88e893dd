// Writes an .npz archive one array at a time, so outputs of long runs never
// sit in memory together. Uncompressed members (as numpy.savez writes them)
// through the one ZIP writer (common/zip_writer.h), under a temporary name
// renamed into place by close(); an archive never closed is removed, so no
// half-written file looks complete. A file that cannot be written is an
// OutputError (from the constructor or close()).
// Limit: 4 GiB per archive (no zip64); larger archives throw InputError.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/zip_writer.h"

namespace ebatch {

class NpzStreamWriter {
 public:
  explicit NpzStreamWriter(const std::string& path) : zip_(std::make_unique<ZipWriter>(path)) {}

  // Adds `name`.npy: a float32 array of `rows` x `cols` values in C order.
  void add(const std::string& name, const float* data, std::size_t rows, std::size_t cols);
  void close();
  std::size_t members() const { return members_; }

 private:
  std::unique_ptr<ZipWriter> zip_;  // null once closed
  std::size_t members_ = 0;
};

}  // namespace ebatch
