#include "common/zip_writer.h"

#include <zlib.h>

#include <algorithm>

#include "common/errors.h"

namespace ebatch {
namespace {

constexpr std::uint64_t kZipLimit = 0xFFFFFFFFu;  // sizes/offsets at or above need zip64

void put_le(std::vector<unsigned char>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

// The fields local headers and central directory entries share, from "version needed" on.
void common_header(std::vector<unsigned char>& h, const std::string& name, std::uint32_t crc, std::uint32_t size) {
  const bool utf8 = std::any_of(name.begin(), name.end(), [](char c) { return (c & 0x80) != 0; });
  put_le(h, 20, 2);                // version needed: 2.0
  put_le(h, utf8 ? 0x800 : 0, 2);  // flags
  put_le(h, 0, 2);                 // method: stored
  put_le(h, 0, 2);                 // time
  put_le(h, 0x21, 2);              // date: 1980-01-01
  put_le(h, crc, 4);
  put_le(h, size, 4);  // compressed
  put_le(h, size, 4);  // uncompressed
  put_le(h, name.size(), 2);
  put_le(h, 0, 2);  // extra length
}

}  // namespace

std::uint32_t zip_crc32(std::uint32_t crc, const void* data, std::size_t size) {
  uLong c = crc;
  const auto* p = static_cast<const Bytef*>(data);
  while (size > 0) {
    const auto k = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
    c = ::crc32(c, p, k);
    p += k;
    size -= k;
  }
  return static_cast<std::uint32_t>(c);
}

void ZipWriter::begin_member(const std::string& name, std::uint64_t size, std::uint32_t crc) {
  if (name.size() > 0xFFFF) throw InputError(file_.path() + ": member name too long");
  if (offset_ + 30 + name.size() + size >= kZipLimit || members_.size() + 1 >= 0xFFFF)
    throw InputError(file_.path() + ": archive would exceed 4 GiB or 65534 members (no zip64 support)");
  members_.push_back({name, crc, std::uint32_t(size), std::uint32_t(offset_)});
  std::vector<unsigned char> h;
  put_le(h, 0x04034b50, 4);
  common_header(h, name, crc, std::uint32_t(size));
  h.insert(h.end(), name.begin(), name.end());
  file_.write(h.data(), h.size());
  offset_ += h.size() + size;
}

void ZipWriter::add(const std::string& name, const std::vector<unsigned char>& bytes) {
  begin_member(name, bytes.size(), zip_crc32(0, bytes.data(), bytes.size()));
  write_data(bytes.data(), bytes.size());
}

void ZipWriter::commit() {
  std::vector<unsigned char> cd;
  for (const Member& m : members_) {
    put_le(cd, 0x02014b50, 4);
    put_le(cd, 0x0314, 2);  // made by: Unix, 2.0
    common_header(cd, m.name, m.crc, m.size);
    put_le(cd, 0, 2);            // comment length
    put_le(cd, 0, 2);            // disk
    put_le(cd, 0, 2);            // internal attributes
    put_le(cd, 0644u << 16, 4);  // external attributes: rw-r--r--
    put_le(cd, m.offset, 4);
    cd.insert(cd.end(), m.name.begin(), m.name.end());
  }
  if (offset_ + cd.size() >= kZipLimit)
    throw InputError(file_.path() + ": archive would exceed 4 GiB (no zip64 support)");
  const std::uint64_t cd_size = cd.size();
  put_le(cd, 0x06054b50, 4);
  put_le(cd, 0, 4);  // disks
  put_le(cd, members_.size(), 2);
  put_le(cd, members_.size(), 2);
  put_le(cd, cd_size, 4);
  put_le(cd, offset_, 4);
  put_le(cd, 0, 2);  // comment length
  file_.write(cd.data(), cd.size());
  file_.commit();
}

}  // namespace ebatch
