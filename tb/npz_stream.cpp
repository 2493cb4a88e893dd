#include "tb/npz_stream.h"

#include "common/npy.h"

namespace ebatch {

void NpzStreamWriter::add(const std::string& name, const float* data, std::size_t rows, std::size_t cols) {
  FloatArray array;
  array.shape = {rows, cols};
  array.data.assign(data, data + rows * cols);
  if (zip_) zip_->add(name + ".npy", encode_npy(array));
  ++members_;
}

void NpzStreamWriter::close() {
  if (!zip_) return;
  const std::unique_ptr<ZipWriter> zip = std::move(zip_);
  zip->commit();
}

}  // namespace ebatch
