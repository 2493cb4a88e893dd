#include "common/npy.h"

#define ZLIB_CONST
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/input_file.h"
#include "common/zip_writer.h"

namespace ebatch {
namespace {

using Byte = unsigned char;
constexpr std::size_t kMaxDims = 64;
constexpr std::uint64_t kZipLimit = 0xFFFFFFFFu;  // sizes/offsets at or above need zip64

// `where` is "file" or "file: member 'x.npy'".
[[noreturn]] void fail(const std::string& where, const std::string& why) { throw InputError(where + ": " + why); }

std::uint64_t get_le(const Byte* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::uint64_t get_be(const Byte* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void put_le(std::vector<Byte>& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(Byte(v >> (8 * i)));
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// --- dtype -----------------------------------------------------------------------------------

struct Dtype {
  char kind;         // f i u b
  std::size_t size;  // bytes
  bool big_endian;
};

Dtype parse_dtype(const std::string& descr, const std::string& where) {
  const std::string bad = "unsupported dtype '" + descr + "'";
  if (descr.size() < 3 || descr.size() > 4) fail(where, bad);
  const char order = descr[0], kind = descr[1];
  if (order != '<' && order != '>' && order != '|') fail(where, bad);
  std::size_t size = 0;
  for (std::size_t i = 2; i < descr.size(); ++i) {
    if (descr[i] < '0' || descr[i] > '9') fail(where, bad);
    size = size * 10 + std::size_t(descr[i] - '0');
  }
  bool ok = false;
  switch (kind) {
    case 'f':
      ok = size == 2 || size == 4 || size == 8;
      break;
    case 'i':
    case 'u':
      ok = size == 1 || size == 2 || size == 4 || size == 8;
      break;
    case 'b':
      ok = size == 1;
      break;
    default:
      break;
  }
  if (!ok || (order == '|' && size != 1)) {
    fail(where, bad + " (supported: bool, int8..int64, uint8..uint64, float16/32/64)");
  }
  return {kind, size, order == '>'};
}

double half_to_double(std::uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  double v;
  if (exp == 0) {
    v = std::ldexp(double(mant), -24);  // zero or subnormal
  } else if (exp == 31) {
    v = mant ? std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::infinity();
  } else {
    v = std::ldexp(double(mant | 0x400), exp - 25);
  }
  return sign ? -v : v;
}

double element(const Byte* p, const Dtype& t) {
  const int n = int(t.size);
  std::uint64_t bits = t.big_endian ? get_be(p, n) : get_le(p, n);
  switch (t.kind) {
    case 'b':
      return bits ? 1.0 : 0.0;
    case 'u':
      return double(bits);
    case 'i': {
      if (n >= 1 && n < 8 && (bits >> (8 * n - 1)) & 1) bits |= ~std::uint64_t(0) << (8 * n);
      std::int64_t s;
      std::memcpy(&s, &bits, sizeof s);
      return double(s);
    }
    default:
      break;
  }
  if (n == 2) return half_to_double(std::uint16_t(bits));
  if (n == 4) {
    const auto b32 = std::uint32_t(bits);
    float f;
    std::memcpy(&f, &b32, sizeof f);
    return f;
  }
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

// --- header: a Python dict literal -------------------------------------------------------------

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_ws();
    expect('{');
    while (true) {
      skip_ws();
      if (eat('}')) break;
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      bool* seen = nullptr;
      if (key == "descr") {
        if (peek() == '[') bad("structured dtypes are not supported");
        h.descr = string_literal();
        seen = &seen_descr;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        seen = &seen_fortran;
      } else if (key == "shape") {
        h.shape = tuple();
        seen = &seen_shape;
      } else {
        bad("unexpected key '" + key + "'");
      }
      if (*seen) bad("duplicate key '" + key + "'");
      *seen = true;
      skip_ws();
      if (eat(',')) continue;
      skip_ws();
      expect('}');
      break;
    }
    skip_ws();
    if (pos_ != s_.size()) bad("unexpected text after the dict");
    if (!seen_descr || !seen_fortran || !seen_shape) {
      bad("missing key (needs 'descr', 'fortran_order' and 'shape')");
    }
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& why) const { fail(where_, "invalid .npy header: " + why); }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c || pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!eat(c)) bad(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') bad("expected a string at offset " + std::to_string(pos_));
    ++pos_;
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') bad("unsupported string literal");
      ++pos_;
    }
    if (pos_ >= s_.size()) bad("unterminated string");
    return s_.substr(start, pos_++ - start);
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    bad("fortran_order must be True or False");
  }
  std::size_t integer() {
    if (peek() < '0' || peek() > '9') bad("expected a dimension at offset " + std::to_string(pos_));
    std::size_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      const auto d = std::size_t(s_[pos_++] - '0');
      if (v > (std::numeric_limits<std::size_t>::max() - d) / 10) bad("dimension too large");
      v = v * 10 + d;
    }
    eat('L');  // Python 2 long literal, found in old files
    return v;
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> dims;
    expect('(');
    skip_ws();
    if (eat(')')) return dims;
    while (true) {
      dims.push_back(integer());
      if (dims.size() > kMaxDims) bad("more than " + std::to_string(kMaxDims) + " dimensions");
      skip_ws();
      if (eat(',')) {
        skip_ws();
        if (eat(')')) break;
        continue;
      }
      expect(')');
      break;
    }
    return dims;
  }

  const std::string& s_;
  const std::string& where_;
  std::size_t pos_ = 0;
};

// --- files -------------------------------------------------------------------------------------

std::vector<Byte> read_whole_file(const std::string& path) {
  const std::uint64_t size = check_input_file(path, ".npy/.npz file", kMaxBinaryInputBytes);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::vector<Byte> buf(static_cast<std::size_t>(size));
  const std::size_t got = buf.empty() ? 0 : std::fread(buf.data(), 1, buf.size(), f);
  const bool error = std::ferror(f) != 0;
  std::fclose(f);
  if (error || got != buf.size()) fail(path, "read error");
  return buf;
}

// --- npy encoding ------------------------------------------------------------------------------

void check_array(const FloatArray& a, const std::string& where) {
  std::size_t n = 1;
  for (std::size_t d : a.shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) fail(where, "shape overflows");
    n *= d;
  }
  if (a.shape.size() > kMaxDims) fail(where, "too many dimensions");
  if (n != a.data.size()) {
    fail(where, "shape " + shape_text(a.shape) + " has " + std::to_string(n) + " elements but the data has " +
                    std::to_string(a.data.size()));
  }
}

// Magic, version, header length and the padded header dict.
std::vector<Byte> npy_preamble(const std::vector<std::size_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // numpy aligns the data to 64 bytes; the header ends with '\n'.
  const bool v2 = dict.size() + 1 + 10 + 63 > 0xFFFF;
  const std::size_t pre = v2 ? 12 : 10;
  const std::size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - pre - dict.size() - 1, ' ');
  dict += '\n';
  std::vector<Byte> out = {0x93, 'N', 'U', 'M', 'P', 'Y', Byte(v2 ? 2 : 1), 0};
  put_le(out, dict.size(), v2 ? 4 : 2);
  out.insert(out.end(), dict.begin(), dict.end());
  return out;
}

// Calls fn(bytes, n) on the little-endian float32 data in chunks.
template <class Fn>
void for_each_data_chunk(const std::vector<float>& data, Fn fn) {
  constexpr std::size_t kChunk = 16384;
  std::vector<Byte> buf;
  buf.reserve(4 * std::min(kChunk, data.size()));
  for (std::size_t i = 0; i < data.size(); i += kChunk) {
    buf.clear();
    const std::size_t end = std::min(data.size(), i + kChunk);
    for (std::size_t j = i; j < end; ++j) {
      std::uint32_t b;
      std::memcpy(&b, &data[j], sizeof b);
      put_le(buf, b, 4);
    }
    fn(buf.data(), buf.size());
  }
}

// --- zip reading -------------------------------------------------------------------------------

struct ZipEntry {
  std::string name;
  std::uint16_t flags = 0, method = 0;
  std::uint32_t crc = 0, disk = 0;
  std::uint64_t csize = 0, usize = 0, offset = 0;
};

std::vector<Byte> inflate_raw(const Byte* in, std::uint64_t in_size, std::uint64_t out_size, const std::string& where) {
  z_stream s{};
  if (inflateInit2(&s, -MAX_WBITS) != Z_OK) fail(where, "zlib initialisation failed");
  struct Guard {
    z_stream* s;
    ~Guard() { inflateEnd(s); }
  } guard{&s};
  std::vector<Byte> out, chunk(65536);
  std::uint64_t fed = 0;
  while (true) {
    if (s.avail_in == 0 && fed < in_size) {
      const auto n = std::min<std::uint64_t>(in_size - fed, 1u << 30);
      s.next_in = in + fed;
      s.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    s.next_out = chunk.data();
    s.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&s, Z_NO_FLUSH);
    const std::size_t have = chunk.size() - s.avail_out;
    if (have > out_size - out.size()) {
      fail(where, "deflated data expands beyond the declared " + std::to_string(out_size) + " bytes");
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + std::ptrdiff_t(have));
    if (rc == Z_STREAM_END) break;
    if (rc == Z_OK && (have > 0 || s.avail_in > 0 || fed < in_size)) continue;
    if (rc == Z_OK || rc == Z_BUF_ERROR) fail(where, "truncated deflate stream");
    fail(where, std::string("corrupt deflate stream: ") + (s.msg ? s.msg : "zlib error"));
  }
  if (out.size() != out_size) {
    fail(where, "deflated data has " + std::to_string(out.size()) + " bytes, the archive declares " +
                    std::to_string(out_size));
  }
  return out;
}

// Finds the end of the central directory; returns {entries, cd offset, cd size}.
struct CentralDir {
  std::uint64_t entries, offset, size;
};

CentralDir find_central_dir(const Byte* p, std::size_t size, const std::string& where) {
  constexpr std::uint32_t kEocd = 0x06054b50, kLoc64 = 0x07064b50, kEocd64 = 0x06064b50;
  if (size < 22) fail(where, "not a zip archive (file too short)");
  const std::size_t lowest = size > 22 + 0xFFFF ? size - 22 - 0xFFFF : 0;
  std::size_t e = size - 22;
  while (true) {
    if (get_le(p + e, 4) == kEocd && e + 22 + get_le(p + e + 20, 2) <= size) break;
    if (e == lowest) fail(where, "not a zip archive (no end-of-central-directory record)");
    --e;
  }
  const std::uint64_t disk = get_le(p + e + 4, 2), cd_disk = get_le(p + e + 6, 2);
  CentralDir cd{get_le(p + e + 10, 2), get_le(p + e + 16, 4), get_le(p + e + 12, 4)};
  const bool maybe64 = cd.entries == 0xFFFF || cd.offset == kZipLimit || cd.size == kZipLimit;
  if (maybe64 && e >= 20 && get_le(p + e - 20, 4) == kLoc64) {
    const std::uint64_t off = get_le(p + e - 20 + 8, 8);
    if (off > e - 20 || e - 20 - off < 56 || get_le(p + off, 4) != kEocd64) {
      fail(where, "corrupt zip64 end-of-central-directory record");
    }
    if (get_le(p + off + 16, 4) != 0 || get_le(p + off + 20, 4) != 0) {
      fail(where, "multi-disk zip archives are not supported");
    }
    cd = {get_le(p + off + 32, 8), get_le(p + off + 48, 8), get_le(p + off + 40, 8)};
  } else if (disk != 0 || cd_disk != 0) {
    fail(where, "multi-disk zip archives are not supported");
  }
  if (cd.offset > e || cd.size > e - cd.offset) {
    fail(where, "central directory (offset " + std::to_string(cd.offset) + ", " + std::to_string(cd.size) +
                    " bytes) lies outside the file");
  }
  if (cd.entries > cd.size / 46) {
    fail(where, "central directory too small for " + std::to_string(cd.entries) + " entries");
  }
  return cd;
}

std::vector<ZipEntry> read_central_dir(const Byte* p, const CentralDir& cd, const std::string& where) {
  std::vector<ZipEntry> entries;
  std::uint64_t pos = cd.offset;
  const std::uint64_t end = cd.offset + cd.size;
  for (std::uint64_t i = 0; i < cd.entries; ++i) {
    if (end - pos < 46 || get_le(p + pos, 4) != 0x02014b50) {
      fail(where, "corrupt central directory entry " + std::to_string(i));
    }
    const Byte* h = p + pos;
    ZipEntry z;
    z.flags = std::uint16_t(get_le(h + 8, 2));
    z.method = std::uint16_t(get_le(h + 10, 2));
    z.crc = std::uint32_t(get_le(h + 16, 4));
    z.csize = get_le(h + 20, 4);
    z.usize = get_le(h + 24, 4);
    const std::uint64_t nlen = get_le(h + 28, 2), xlen = get_le(h + 30, 2), clen = get_le(h + 32, 2);
    z.disk = std::uint32_t(get_le(h + 34, 2));
    z.offset = get_le(h + 42, 4);
    if (46 + nlen + xlen + clen > end - pos) {
      fail(where, "truncated central directory entry " + std::to_string(i));
    }
    z.name.assign(reinterpret_cast<const char*>(h + 46), nlen);
    // Extra fields; only zip64 (id 1) matters: 64-bit values for the fields saturated above.
    const Byte* x = h + 46 + nlen;
    for (std::uint64_t k = 0; k + 4 <= xlen;) {
      const std::uint64_t id = get_le(x + k, 2), len = get_le(x + k + 2, 2);
      if (k + 4 + len > xlen) fail(where, "corrupt extra field of member '" + z.name + "'");
      if (id == 1) {
        const Byte* f = x + k + 4;
        std::uint64_t left = len;
        auto take = [&](std::uint64_t& v, int n) {
          if (left < std::uint64_t(n)) fail(where, "truncated zip64 field of '" + z.name + "'");
          v = get_le(f, n);
          f += n;
          left -= std::uint64_t(n);
        };
        if (z.usize == kZipLimit) take(z.usize, 8);
        if (z.csize == kZipLimit) take(z.csize, 8);
        if (z.offset == kZipLimit) take(z.offset, 8);
        if (z.disk == 0xFFFF) {
          std::uint64_t d = 0;
          take(d, 4);
          z.disk = std::uint32_t(d);
        }
      }
      k += 4 + len;
    }
    entries.push_back(std::move(z));
    pos += 46 + nlen + xlen + clen;
  }
  return entries;
}

}  // namespace

// --- public ----------------------------------------------------------------------------------

std::size_t NpyArray::itemsize() const {
  std::size_t n = 0;
  for (std::size_t i = 2; i < dtype.size() && dtype[i] >= '0' && dtype[i] <= '9'; ++i) {
    n = n * 10 + std::size_t(dtype[i] - '0');
  }
  return n;
}

std::vector<float> NpyArray::to_float() const { return std::vector<float>(data.begin(), data.end()); }

std::vector<float> NpyArray::to_finite_float(const std::string& where) const {
  std::vector<float> out = to_float();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (std::isfinite(out[i])) continue;
    std::vector<std::size_t> index(shape.size());
    for (std::size_t d = shape.size(), rest = i; d-- > 0; rest /= shape[d]) index[d] = rest % shape[d];
    std::string at = "[";
    for (std::size_t d = 0; d < index.size(); ++d) at += (d ? ", " : "") + std::to_string(index[d]);
    const double v = data[i];
    const std::string what = std::isnan(v)   ? "nan"
                             : std::isinf(v) ? (v > 0 ? "inf" : "-inf")
                                             : "beyond float32's range";
    fail(where, "element " + at + "] is " + what + " (weights and inputs must be finite)");
  }
  return out;
}

NpyArray read_npy_buffer(const void* bytes, std::size_t size, const std::string& name) {
  const auto* p = static_cast<const Byte*>(bytes);
  static const Byte kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10) fail(name, "truncated .npy data (" + std::to_string(size) + " bytes)");
  if (std::memcmp(p, kMagic, 6) != 0) fail(name, "not a .npy file (bad magic)");
  const int major = p[6], minor = p[7];
  std::size_t start = 10, hlen = 0;
  if (major == 1 && minor == 0) {
    hlen = get_le(p + 8, 2);
  } else if ((major == 2 || major == 3) && minor == 0) {
    if (size < 12) fail(name, "truncated .npy header");
    start = 12;
    hlen = get_le(p + 8, 4);
  } else {
    fail(name, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  }
  if (hlen > size - start) {
    fail(name, "truncated .npy header (declares " + std::to_string(hlen) + " bytes, " + std::to_string(size - start) +
                   " present)");
  }
  const std::string text(reinterpret_cast<const char*>(p + start), hlen);
  const Header h = HeaderParser(text, name).parse();
  const Dtype t = parse_dtype(h.descr, name);
  if (h.fortran_order) {
    fail(name, "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  }
  std::size_t count = 1;
  for (std::size_t d : h.shape) {
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d) {
      fail(name, "shape " + shape_text(h.shape) + " is too large");
    }
    count *= d;
  }
  const std::size_t have = size - start - hlen;
  const bool overflow = count > std::numeric_limits<std::size_t>::max() / t.size;
  if (overflow || count * t.size != have) {
    fail(name, "data size mismatch: shape " + shape_text(h.shape) + " of " + h.descr + " needs " +
                   (overflow ? std::string("too many") : std::to_string(count * t.size)) + " bytes, found " +
                   std::to_string(have));
  }
  NpyArray a;
  a.shape = h.shape;
  a.dtype = h.descr;
  a.data.resize(count);
  const Byte* d = p + start + hlen;
  for (std::size_t i = 0; i < count; ++i) a.data[i] = element(d + i * t.size, t);
  return a;
}

NpyArray read_npy(const std::string& path) {
  const std::vector<Byte> buf = read_whole_file(path);
  return read_npy_buffer(buf.data(), buf.size(), path);
}

std::map<std::string, NpyArray> read_npz_buffer(const void* bytes, std::size_t size, const std::string& name,
                                                std::uint64_t max_member_bytes) {
  const auto* p = static_cast<const Byte*>(bytes);
  const CentralDir cd = find_central_dir(p, size, name);
  std::map<std::string, NpyArray> arrays;
  for (const ZipEntry& z : read_central_dir(p, cd, name)) {
    const std::string where = name + ": member '" + z.name + "'";
    const std::string suffix = ".npy";
    if (z.name.size() < suffix.size() || z.name.compare(z.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;  // directories and other files
    }
    const std::string key = z.name.substr(0, z.name.size() - suffix.size());
    if (arrays.count(key)) fail(where, "duplicate member");
    if (z.flags & 0x41) fail(where, "encrypted members are not supported");
    if (z.disk != 0) fail(where, "multi-disk zip archives are not supported");
    if (z.usize > max_member_bytes)
      fail(where, "declares " + std::to_string(z.usize) + " bytes uncompressed, more than the " +
                      std::to_string(max_member_bytes) + " any array expected here can need");
    if (z.offset > size || size - z.offset < 30 || get_le(p + z.offset, 4) != 0x04034b50) {
      fail(where, "no local file header at offset " + std::to_string(z.offset));
    }
    const std::uint64_t data_start = z.offset + 30 + get_le(p + z.offset + 26, 2) + get_le(p + z.offset + 28, 2);
    if (data_start > size || z.csize > size - data_start) {
      fail(where, "member data (" + std::to_string(z.csize) + " bytes at offset " + std::to_string(data_start) +
                      ") extends past the end of the file");
    }
    std::vector<Byte> inflated;
    const Byte* data = p + data_start;
    if (z.method == 0) {
      if (z.csize != z.usize) fail(where, "stored member with differing sizes");
    } else if (z.method == 8) {
      inflated = inflate_raw(data, z.csize, z.usize, where);
      data = inflated.data();
    } else {
      fail(where, "unsupported compression method " + std::to_string(z.method) + " (only stored and deflate)");
    }
    const std::uint32_t crc = zip_crc32(0, data, z.usize);
    if (crc != z.crc) {
      fail(where, "CRC-32 mismatch (stored " + hex32(z.crc) + ", computed " + hex32(crc) + ")");
    }
    arrays.emplace(key, read_npy_buffer(data, z.usize, where));
  }
  return arrays;
}

std::map<std::string, NpyArray> read_npz(const std::string& path, std::uint64_t max_member_bytes) {
  const std::vector<Byte> buf = read_whole_file(path);
  return read_npz_buffer(buf.data(), buf.size(), path, max_member_bytes);
}

std::vector<unsigned char> encode_npy(const FloatArray& array) {
  check_array(array, "encode_npy");
  std::vector<Byte> out = npy_preamble(array.shape);
  for_each_data_chunk(array.data, [&](const Byte* b, std::size_t n) { out.insert(out.end(), b, b + n); });
  return out;
}

void write_npy(const std::string& path, const FloatArray& array) {
  check_array(array, path);
  const std::vector<Byte> pre = npy_preamble(array.shape);
  AtomicFile f(path);
  f.write(pre.data(), pre.size());
  for_each_data_chunk(array.data, [&](const Byte* b, std::size_t n) { f.write(b, n); });
  f.commit();
}

void write_npz(const std::string& path, const std::map<std::string, FloatArray>& arrays) {
  struct Member {
    std::string name;
    const FloatArray* array;
    std::vector<Byte> preamble;
    std::uint64_t size;
    std::uint32_t crc;
  };
  // Lay out the archive first: reject what needs zip64 before creating the file.
  std::vector<Member> members;
  std::uint64_t offset = 0, cd_size = 0;
  for (const auto& [key, array] : arrays) {
    const std::string name = key + ".npy";
    check_array(array, path + ": array '" + key + "'");
    if (name.size() > 0xFFFF) fail(path, "array name too long");
    Member m{name, &array, npy_preamble(array.shape), 0, 0};
    m.size = m.preamble.size() + 4 * std::uint64_t(array.data.size());
    offset += 30 + name.size() + m.size;
    cd_size += 46 + name.size();
    members.push_back(std::move(m));
  }
  if (members.size() >= 0xFFFF || offset + cd_size >= kZipLimit) {
    fail(path, "npz archives over 4 GiB or 65534 arrays are not supported");
  }
  for (Member& m : members) {
    m.crc = zip_crc32(0, m.preamble.data(), m.preamble.size());
    for_each_data_chunk(m.array->data, [&](const Byte* b, std::size_t n) { m.crc = zip_crc32(m.crc, b, n); });
  }
  ZipWriter zip(path);
  for (const Member& m : members) {
    zip.begin_member(m.name, m.size, m.crc);
    zip.write_data(m.preamble.data(), m.preamble.size());
    for_each_data_chunk(m.array->data, [&](const Byte* b, std::size_t n) { zip.write_data(b, n); });
  }
  zip.commit();
}

}  // namespace ebatch
