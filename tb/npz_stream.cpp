#include "tb/npz_stream.h"

#include <unistd.h>
#include <zlib.h>

#include "common/errors.h"
#include "common/npy.h"

namespace ebatch {
namespace {

void put16(std::vector<unsigned char>& b, std::uint32_t v) { b.push_back(v & 0xff), b.push_back((v >> 8) & 0xff); }
void put32(std::vector<unsigned char>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back((v >> (8 * i)) & 0xff);
}
constexpr std::uint64_t kZipLimit = 0xffffffffull;

}  // namespace

NpzStreamWriter::NpzStreamWriter(const std::string& path)
    : path_(path), tmp_path_(path + ".tmp." + std::to_string(getpid())) {
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) throw InputError(path + ": cannot be written");
}

NpzStreamWriter::~NpzStreamWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void NpzStreamWriter::add(const std::string& name, const float* data, std::size_t rows, std::size_t cols) {
  FloatArray array;
  array.shape = {rows, cols};
  array.data.assign(data, data + rows * cols);
  const std::vector<unsigned char> npy = encode_npy(array);
  const std::string member = name + ".npy";
  if (offset_ + npy.size() + member.size() + 30 > kZipLimit)
    throw InputError(path_ + ": archive would exceed 4 GiB (no zip64 support)");
  Entry e{member, std::uint32_t(crc32(0L, npy.data(), uInt(npy.size()))), std::uint32_t(npy.size()),
          std::uint32_t(offset_)};
  std::vector<unsigned char> header;
  put32(header, 0x04034b50);
  put16(header, 20), put16(header, 0), put16(header, 0);  // version, flags, stored
  put16(header, 0), put16(header, 0x21);                  // time, date (fixed: 1980-01-01)
  put32(header, e.crc), put32(header, e.size), put32(header, e.size);
  put16(header, std::uint32_t(member.size())), put16(header, 0);
  header.insert(header.end(), member.begin(), member.end());
  if (std::fwrite(header.data(), 1, header.size(), file_) != header.size() ||
      std::fwrite(npy.data(), 1, npy.size(), file_) != npy.size())
    throw InputError(path_ + ": write failed (disk full?)");
  offset_ += header.size() + npy.size();
  entries_.push_back(e);
}

void NpzStreamWriter::close() {
  if (!file_) return;
  std::vector<unsigned char> dir;
  for (const auto& e : entries_) {
    put32(dir, 0x02014b50);
    put16(dir, 20), put16(dir, 20), put16(dir, 0), put16(dir, 0);
    put16(dir, 0), put16(dir, 0x21);
    put32(dir, e.crc), put32(dir, e.size), put32(dir, e.size);
    put16(dir, std::uint32_t(e.name.size())), put16(dir, 0), put16(dir, 0), put16(dir, 0), put16(dir, 0);
    put32(dir, 0), put32(dir, e.offset);
    dir.insert(dir.end(), e.name.begin(), e.name.end());
  }
  const std::uint64_t dir_offset = offset_;
  if (dir_offset + dir.size() > kZipLimit || entries_.size() > 0xffff)
    throw InputError(path_ + ": archive would exceed zip limits (4 GiB, 65535 members)");
  const auto cd_size = std::uint32_t(dir.size());
  put32(dir, 0x06054b50);
  put16(dir, 0), put16(dir, 0);
  put16(dir, std::uint32_t(entries_.size())), put16(dir, std::uint32_t(entries_.size()));
  put32(dir, cd_size), put32(dir, std::uint32_t(dir_offset));
  put16(dir, 0);
  const bool ok = std::fwrite(dir.data(), 1, dir.size(), file_) == dir.size();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed || std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_path_.c_str());
    throw InputError(path_ + ": write failed (disk full?)");
  }
}

}  // namespace ebatch
