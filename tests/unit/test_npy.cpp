// Tests of common/npy: NumPy-written fixtures (tests/data/npy, made by make_fixtures.py),
// write/read round trips, and malformed inputs built byte by byte.
#define ZLIB_CONST
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/npy.h"
#include "ebatch_version.h"

namespace ebatch {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

fs::path repo_root() {
  const char* env = std::getenv("EBATCH_ROOT");
  return (env && *env) ? fs::path(env) : fs::path(EBATCH_SOURCE_DIR);
}

std::string fixture(const std::string& name) { return (repo_root() / "tests" / "data" / "npy" / name).string(); }

Bytes read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("ebatch_npy_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path_)) out.push_back(e.path().filename());
    return out;
  }

 private:
  fs::path path_;
};

// Message of the InputError thrown by fn; fails the test if none (or another type) is thrown.
std::string input_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got another exception: " << e.what();
    return {};
  } catch (...) {
    ADD_FAILURE() << "expected InputError, got a non-standard exception";
    return {};
  }
  ADD_FAILURE() << "expected InputError, nothing thrown";
  return {};
}

std::string npy_error(const Bytes& b) {
  return input_error([&] { read_npy_buffer(b.data(), b.size(), "mem.npy"); });
}

std::string npz_error(const Bytes& b) {
  return input_error([&] { read_npz_buffer(b.data(), b.size(), "mem.npz"); });
}

void put(Bytes& b, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

void poke(Bytes& b, std::size_t at, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b.at(at + std::size_t(i)) = static_cast<unsigned char>(v >> (8 * i));
}

// A .npy file with the given header text (unpadded) and data bytes.
Bytes make_npy(const std::string& header, const Bytes& data, int major = 1) {
  Bytes b = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<unsigned char>(major), 0};
  put(b, header.size(), major == 1 ? 2 : 4);
  b.insert(b.end(), header.begin(), header.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes f32_bytes(const std::vector<float>& v) {
  Bytes b;
  for (float f : v) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    put(b, u, 4);
  }
  return b;
}

Bytes raw_deflate(const Bytes& in) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&s, uLong(in.size())));
  s.next_in = in.data();
  s.avail_in = uInt(in.size());
  s.next_out = out.data();
  s.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

struct ZipMember {
  std::string name;
  Bytes data;  // uncompressed
  bool deflate = false;
  bool zip64 = false;                  // sizes and offset in zip64 extra fields
  std::optional<std::uint32_t> crc;    // override the stored CRC
  std::optional<std::uint16_t> flags;  // override the flags
};

ZipMember member(const std::string& name, const Bytes& data, bool deflate = false) {
  ZipMember m;
  m.name = name;
  m.data = data;
  m.deflate = deflate;
  return m;
}

// A minimal ZIP writer for building test archives (optionally with a zip64 end record).
Bytes make_zip(const std::vector<ZipMember>& members, bool zip64_end = false) {
  Bytes out, cd;
  for (const ZipMember& m : members) {
    const Bytes body = m.deflate ? raw_deflate(m.data) : m.data;
    const std::uint32_t crc = m.crc ? *m.crc : std::uint32_t(crc32(0, m.data.data(), uInt(m.data.size())));
    const std::uint64_t offset = out.size();
    auto common = [&](Bytes& h, bool central) {
      put(h, 45, 2);
      put(h, m.flags ? *m.flags : 0, 2);
      put(h, m.deflate ? 8 : 0, 2);
      put(h, 0, 2);
      put(h, 0x21, 2);
      put(h, crc, 4);
      put(h, m.zip64 ? 0xFFFFFFFF : body.size(), 4);
      put(h, m.zip64 ? 0xFFFFFFFF : m.data.size(), 4);
      put(h, m.name.size(), 2);
      put(h, m.zip64 ? (central ? 28 : 20) : 0, 2);
    };
    auto extra = [&](Bytes& h, bool central) {
      if (!m.zip64) return;
      put(h, 1, 2);
      put(h, central ? 24 : 16, 2);
      put(h, m.data.size(), 8);
      put(h, body.size(), 8);
      if (central) put(h, offset, 8);
    };
    put(out, 0x04034b50, 4);
    common(out, false);
    out.insert(out.end(), m.name.begin(), m.name.end());
    extra(out, false);
    out.insert(out.end(), body.begin(), body.end());

    put(cd, 0x02014b50, 4);
    put(cd, 45, 2);
    common(cd, true);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 2);
    put(cd, 0, 4);
    put(cd, m.zip64 ? 0xFFFFFFFF : offset, 4);
    cd.insert(cd.end(), m.name.begin(), m.name.end());
    extra(cd, true);
  }
  const std::uint64_t cd_offset = out.size();
  out.insert(out.end(), cd.begin(), cd.end());
  if (zip64_end) {
    const std::uint64_t end64 = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);
    put(out, 45, 2);
    put(out, 45, 2);
    put(out, 0, 4);
    put(out, 0, 4);
    put(out, members.size(), 8);
    put(out, members.size(), 8);
    put(out, cd.size(), 8);
    put(out, cd_offset, 8);
    put(out, 0x07064b50, 4);
    put(out, 0, 4);
    put(out, end64, 8);
    put(out, 1, 4);
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, zip64_end ? 0xFFFF : members.size(), 2);
  put(out, zip64_end ? 0xFFFF : members.size(), 2);
  put(out, zip64_end ? 0xFFFFFFFF : cd.size(), 4);
  put(out, zip64_end ? 0xFFFFFFFF : cd_offset, 4);
  put(out, 0, 2);
  return out;
}

const std::string kHeader23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
const std::vector<float> kSix = {1.0f, -2.0f, 0.5f, 3.25f, -0.125f, 1e-3f};

Bytes good_npy() { return make_npy(kHeader23, f32_bytes(kSix)); }

std::size_t find_sig(const Bytes& b, std::uint32_t sig) {
  for (std::size_t i = 0; i + 4 <= b.size(); ++i) {
    if ((b[i] | b[i + 1] << 8 | b[i + 2] << 16 | std::uint32_t(b[i + 3]) << 24) == sig) return i;
  }
  ADD_FAILURE() << "signature not found";
  return 0;
}

// The arrays in savez.npz / savez_compressed.npz (see make_fixtures.py).
void expect_savez_arrays(const std::map<std::string, NpyArray>& m) {
  ASSERT_EQ(m.size(), 8u);
  const NpyArray& a = m.at("a");
  EXPECT_EQ(a.dtype, "<f4");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<double>{-2.5, -1.5, -0.5, 0.5, 1.5, 2.5}));
  EXPECT_EQ(a.to_float(), (std::vector<float>{-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}));
  EXPECT_EQ(m.at("b").dtype, "<i4");
  EXPECT_EQ(m.at("b").data, (std::vector<double>{1, -2, 2147483647, -2147483648.0}));
  EXPECT_EQ(m.at("c").dtype, "|u1");
  EXPECT_EQ(m.at("c").data, (std::vector<double>{0, 1, 255}));
  EXPECT_EQ(m.at("d").dtype, "|i1");
  EXPECT_EQ(m.at("d").data, (std::vector<double>{-128, 0, 127}));
  EXPECT_EQ(m.at("e").dtype, "<i8");
  EXPECT_EQ(m.at("e").data, (std::vector<double>{-1099511627776.0, 1099511627777.0}));
  EXPECT_EQ(m.at("f").dtype, "<f8");
  EXPECT_TRUE(m.at("f").shape.empty());
  EXPECT_EQ(m.at("f").data, (std::vector<double>{0.125}));
  EXPECT_EQ(m.at("fc.weight").shape, (std::vector<std::size_t>{100}));
  EXPECT_EQ(m.at("fc.weight").data, std::vector<double>(100, 0.0));
  EXPECT_EQ(m.at("g").dtype, "<u2");
  EXPECT_EQ(m.at("g").data, (std::vector<double>{7, 65535}));
}

// --- round trips -------------------------------------------------------------------------------

TEST(NpyRoundTrip, WriteNpzReadBack) {
  TempDir dir;
  const std::map<std::string, FloatArray> in = {
      {"weight_ih_l0", {{2, 3}, kSix}},    {"fc.bias", {{4}, {0.0f, -0.0f, 1e30f, -7.5f}}},
      {"scalar", {{}, {42.0f}}},           {"empty", {{0, 5}, {}}},
      {"cube", {{2, 1, 2}, {1, 2, 3, 4}}},
  };
  const std::string path = dir.file("w.npz");
  write_npz(path, in);
  const auto out = read_npz(path);
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, arr] : in) {
    const NpyArray& r = out.at(name);
    EXPECT_EQ(r.dtype, "<f4") << name;
    EXPECT_EQ(r.shape, arr.shape) << name;
    EXPECT_EQ(r.to_float(), arr.data) << name;
  }
  EXPECT_TRUE(std::signbit(out.at("fc.bias").data[1]));
  EXPECT_EQ(dir.names(), std::vector<std::string>{"w.npz"});  // no temporary left behind
}

TEST(NpyRoundTrip, WriteNpyReadBack) {
  TempDir dir;
  const std::string path = dir.file("a.npy");
  write_npy(path, {{3, 2}, kSix});
  const NpyArray a = read_npy(path);
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(a.to_float(), kSix);
  EXPECT_EQ(read_bytes(path), encode_npy({{3, 2}, kSix}));
}

TEST(NpyRoundTrip, EncodedHeaderIsAlignedLikeNumpy) {
  const Bytes b = encode_npy({{2, 3}, kSix});
  const std::size_t hlen = b[8] | b[9] << 8;
  EXPECT_EQ(b[6], 1);
  EXPECT_EQ((10 + hlen) % 64, 0u);
  EXPECT_EQ(b[10 + hlen - 1], '\n');
  EXPECT_EQ(b.size(), 10 + hlen + 24);
  const NpyArray a = read_npy_buffer(b.data(), b.size(), "mem");
  EXPECT_EQ(a.to_float(), kSix);
}

TEST(NpyRoundTrip, WriteReplacesExistingFile) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  write_npz(path, {{"x", {{1}, {1.0f}}}});
  write_npz(path, {{"y", {{2}, {2.0f, 3.0f}}}});
  const auto m = read_npz(path);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at("y").data, (std::vector<double>{2.0, 3.0}));
  EXPECT_EQ(dir.names(), std::vector<std::string>{"w.npz"});
}

TEST(NpyRoundTrip, FailedWriteLeavesOldFileAndNoTemporary) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  write_npz(path, {{"x", {{1}, {1.0f}}}});
  const Bytes before = read_bytes(path);
  const std::string msg = input_error([&] { write_npz(path, {{"bad", {{2, 2}, {1.0f, 2.0f, 3.0f}}}}); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'bad'"), std::string::npos) << msg;
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(dir.names(), std::vector<std::string>{"w.npz"});
  const std::string missing = dir.file("no/such/dir/w.npz");
  // A file that cannot be written is an output error, not bad input (common/errors.h).
  for (const auto& write : std::vector<std::function<void()>>{[&] { write_npz(missing, {}); },
                                                              [&] {
                                                                write_npy(missing, {{1}, {1.0f}});
                                                              }}) {
    try {
      write();
      ADD_FAILURE() << "no OutputError";
    } catch (const ebatch::OutputError& e) {
      EXPECT_EQ(e.path(), missing);
    }
  }
}

TEST(NpyRoundTrip, EmptyArchive) {
  TempDir dir;
  const std::string path = dir.file("e.npz");
  write_npz(path, {});
  EXPECT_TRUE(read_npz(path).empty());
}

// --- NumPy-written fixtures --------------------------------------------------------------------

TEST(NpyFixtures, Savez) { expect_savez_arrays(read_npz(fixture("savez.npz"))); }

TEST(NpyFixtures, SavezCompressed) { expect_savez_arrays(read_npz(fixture("savez_compressed.npz"))); }

TEST(NpyFixtures, HalfPrecision) {
  const NpyArray a = read_npy(fixture("half.npy"));
  EXPECT_EQ(a.dtype, "<f2");
  ASSERT_EQ(a.shape, (std::vector<std::size_t>{12}));
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> expect = {0.0, 1.0, -2.0, 0.5, 65504.0, std::ldexp(1.0, -14), std::ldexp(1.0, -24),
                                      inf, -inf};
  for (std::size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(a.data[i], expect[i]) << i;
  EXPECT_TRUE(std::isnan(a.data[9]));
  EXPECT_EQ(a.data[10], 0.0);
  EXPECT_TRUE(std::signbit(a.data[10]));
  EXPECT_EQ(a.data[11], 0.333251953125);
}

TEST(NpyFixtures, Float64TwoD) {
  const NpyArray a = read_npy(fixture("f8_2d.npy"));
  EXPECT_EQ(a.dtype, "<f8");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(a.data, (std::vector<double>{0.1, -0.2, 1e300, -1e-300, 3.0, 4.5}));
}

TEST(NpyFixtures, FormatVersions2And3) {
  for (const char* name : {"v2.npy", "v3.npy"}) {
    const Bytes raw = read_bytes(fixture(name));
    ASSERT_GT(raw.size(), 8u);
    EXPECT_EQ(raw[6], name[1] - '0') << name;
    const NpyArray a = read_npy(fixture(name));
    EXPECT_EQ(a.shape, (std::vector<std::size_t>{5})) << name;
    EXPECT_EQ(a.data, (std::vector<double>{0.0, 0.5, 1.0, 1.5, 2.0})) << name;
  }
}

TEST(NpyFixtures, BigEndian) {
  const NpyArray a = read_npy(fixture("big_endian.npy"));
  EXPECT_EQ(a.dtype, ">f4");
  EXPECT_EQ(a.data, (std::vector<double>{1.5, -3.0}));
}

TEST(NpyFixtures, FortranOrderRejected) {
  const std::string path = fixture("fortran.npy");
  const std::string msg = input_error([&] { read_npy(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("Fortran"), std::string::npos) << msg;
}

// --- malformed input ---------------------------------------------------------------------------

TEST(NpyMalformed, MissingFileAndDirectory) {
  const std::string missing = fixture("does_not_exist.npz");
  EXPECT_NE(input_error([&] { read_npz(missing); }).find(missing), std::string::npos);
  const std::string dir = fixture("");
  EXPECT_NE(input_error([&] { read_npy(dir); }).find("not a regular file"), std::string::npos);
}

TEST(NpyMalformed, EveryTruncationThrows) {
  for (const char* name : {"half.npy", "v2.npy", "savez.npz", "savez_compressed.npz"}) {
    const Bytes full = read_bytes(fixture(name));
    ASSERT_FALSE(full.empty()) << name;
    const bool npz = std::string(name).find(".npz") != std::string::npos;
    for (std::size_t n = 0; n < full.size(); ++n) {
      const Bytes cut(full.begin(), full.begin() + std::ptrdiff_t(n));
      const std::string msg = npz ? npz_error(cut) : npy_error(cut);
      ASSERT_FALSE(msg.empty()) << name << " cut at " << n;
    }
  }
}

TEST(NpyMalformed, BadMagicAndVersion) {
  Bytes b = good_npy();
  b[1] = 'X';
  EXPECT_NE(npy_error(b).find("bad magic"), std::string::npos);
  b = good_npy();
  b[6] = 4;
  EXPECT_NE(npy_error(b).find("version 4.0"), std::string::npos);
  b = good_npy();
  b[7] = 1;
  EXPECT_NE(npy_error(b).find("version 1.1"), std::string::npos);
}

TEST(NpyMalformed, HeaderNotAValidDict) {
  const Bytes data = f32_bytes(kSix);
  for (const std::string& h : std::vector<std::string>{
           "",
           "   ",
           "[]",
           "{",
           "{'descr': '<f4'",
           "{'descr': '<f4', 'shape': (2, 3)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}",
           "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': <f4, 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2,, 3)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} trailing",
           "{'descr': '<f4\\x', 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}" + std::string(1, '\0'),
       }) {
    const std::string msg = npy_error(make_npy(h, data));
    EXPECT_NE(msg.find("mem.npy"), std::string::npos) << h;
    EXPECT_NE(msg.find("header"), std::string::npos) << h << " -> " << msg;
  }
}

TEST(NpyMalformed, UnsupportedDtypes) {
  for (const std::string d : {"<f16", "<c8", "|O", "<U3", "<f3", "|f4", "<b2", "f4", "<i", "=f4"}) {
    const std::string h = "{'descr': '" + d + "', 'fortran_order': False, 'shape': (1,), }";
    EXPECT_NE(npy_error(make_npy(h, Bytes(16))).find("dtype"), std::string::npos) << d;
  }
}

TEST(NpyMalformed, ShapeProductOverflowsOrIsAbsurd) {
  const Bytes data = f32_bytes(kSix);
  for (const std::string shape : {"(4294967296, 4294967296, 4294967296)", "(99999999999999999999999,)",
                                  "(18446744073709551615,)", "(1000000000000,)", "(4611686018427387904,)"}) {
    const std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + "}";
    const std::string msg = npy_error(make_npy(h, data));
    EXPECT_FALSE(msg.empty()) << shape;
  }
  std::string many = "(";
  for (int i = 0; i < 70; ++i) many += "1,";
  const std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': " + many + ")}";
  EXPECT_NE(npy_error(make_npy(h, f32_bytes({1.0f}))).find("dimensions"), std::string::npos);
}

TEST(NpyMalformed, ShapeDoesNotMatchData) {
  Bytes b = make_npy(kHeader23, f32_bytes({1, 2, 3, 4, 5}));
  std::string msg = npy_error(b);
  EXPECT_NE(msg.find("needs 24 bytes, found 20"), std::string::npos) << msg;
  b = make_npy(kHeader23, f32_bytes({1, 2, 3, 4, 5, 6, 7}));
  EXPECT_NE(npy_error(b).find("found 28"), std::string::npos);
}

TEST(NpyMalformed, HeaderLengthBeyondFile) {
  Bytes b = good_npy();
  poke(b, 8, 0xFFFF, 2);
  EXPECT_NE(npy_error(b).find("truncated .npy header"), std::string::npos);
  b = make_npy(kHeader23, f32_bytes(kSix), 2);
  poke(b, 8, 0xFFFFFFFF, 4);
  EXPECT_NE(npy_error(b).find("truncated .npy header"), std::string::npos);
}

TEST(NpyMalformed, NotAZip) {
  EXPECT_NE(npz_error(good_npy()).find("not a zip archive"), std::string::npos);
  EXPECT_NE(npz_error(Bytes(100, 0)).find("not a zip archive"), std::string::npos);
}

TEST(NpyMalformed, BadCentralDirectoryOffsets) {
  const Bytes good = make_zip({member("a.npy", good_npy())});
  ASSERT_EQ(read_npz_buffer(good.data(), good.size(), "mem.npz").at("a").to_float(), kSix);
  Bytes b = good;
  poke(b, b.size() - 22 + 16, 0xFFFFFF00, 4);  // central directory offset
  EXPECT_NE(npz_error(b).find("central directory"), std::string::npos);
  b = good;
  poke(b, b.size() - 22 + 12, 0x7FFFFFFF, 4);  // central directory size
  EXPECT_NE(npz_error(b).find("central directory"), std::string::npos);
  b = good;
  poke(b, b.size() - 22 + 10, 500, 2);  // entry count
  EXPECT_NE(npz_error(b).find("500 entries"), std::string::npos);
  b = good;
  poke(b, b.size() - 22 + 4, 1, 2);  // disk number
  EXPECT_NE(npz_error(b).find("multi-disk"), std::string::npos);
}

TEST(NpyMalformed, BadLocalHeaderAndMemberData) {
  const Bytes good = make_zip({member("w.npy", good_npy())});
  const std::size_t central = find_sig(good, 0x02014b50);
  Bytes b = good;
  poke(b, central + 42, 0xFFFFFF00, 4);  // local header offset past the end
  std::string msg = npz_error(b);
  EXPECT_NE(msg.find("member 'w.npy'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("local file header"), std::string::npos) << msg;
  b = good;
  poke(b, central + 42, 3, 4);  // not at a local header
  EXPECT_NE(npz_error(b).find("local file header"), std::string::npos);
  b = good;
  poke(b, central + 20, 0x7FFFFFF0, 4);  // compressed size past the end
  EXPECT_NE(npz_error(b).find("past the end"), std::string::npos);
  b = good;
  poke(b, 28, 0xFFFF, 2);  // local extra length past the end
  EXPECT_NE(npz_error(b).find("past the end"), std::string::npos);
  b = good;
  poke(b, central + 24, 12, 4);  // stored, sizes differ
  EXPECT_NE(npz_error(b).find("differing sizes"), std::string::npos);
  b = good;
  poke(b, central + 28, 0xFFFF, 2);  // name length beyond the directory
  EXPECT_NE(npz_error(b).find("truncated central directory"), std::string::npos);
}

TEST(NpyMalformed, CrcMismatchNamesFileAndMember) {
  ZipMember m = member("fc.weight.npy", good_npy());
  m.crc = 0x12345678;
  const Bytes b = make_zip({m});
  const std::string msg = npz_error(b);
  EXPECT_NE(msg.find("mem.npz: member 'fc.weight.npy'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CRC-32 mismatch"), std::string::npos) << msg;
  m.deflate = true;
  EXPECT_NE(npz_error(make_zip({m})).find("CRC-32 mismatch"), std::string::npos);
}

TEST(NpyMalformed, BadMemberContentNamesMember) {
  const Bytes b = make_zip({member("ok.npy", good_npy()), member("bad.npy", Bytes{'h', 'i'})});
  const std::string msg = npz_error(b);
  EXPECT_NE(msg.find("mem.npz: member 'bad.npy'"), std::string::npos) << msg;
}

TEST(NpyMalformed, DeflateErrors) {
  const Bytes good = make_zip({member("w.npy", good_npy(), true)});
  ASSERT_EQ(read_npz_buffer(good.data(), good.size(), "mem.npz").at("w").to_float(), kSix);
  const std::size_t central = find_sig(good, 0x02014b50);
  const std::size_t data = 30 + 5;
  Bytes b = good;
  b[data] = 0xFF;  // invalid block type
  EXPECT_FALSE(npz_error(b).empty());
  b = good;
  poke(b, central + 24, 10, 4);  // declared uncompressed size too small
  EXPECT_NE(npz_error(b).find("beyond the declared"), std::string::npos);
  b = good;
  poke(b, central + 24, 1000000, 4);  // declared size too large
  EXPECT_NE(npz_error(b).find("declares 1000000"), std::string::npos);
  b = good;
  const std::uint64_t csize = b[central + 20] | b[central + 21] << 8;
  poke(b, central + 20, csize / 2, 4);  // stream cut short
  EXPECT_NE(npz_error(b).find("deflate"), std::string::npos);
  b = good;
  poke(b, central + 10, 12, 2);  // bzip2
  EXPECT_NE(npz_error(b).find("compression method 12"), std::string::npos);
}

TEST(NpyMalformed, EncryptedMemberRejected) {
  ZipMember m = member("w.npy", good_npy());
  m.flags = 1;
  EXPECT_NE(npz_error(make_zip({m})).find("encrypted"), std::string::npos);
}

TEST(NpyMalformed, DuplicateMemberRejected) {
  const Bytes b = make_zip({member("w.npy", good_npy()), member("w.npy", good_npy())});
  EXPECT_NE(npz_error(b).find("duplicate"), std::string::npos);
}

TEST(NpyZip, Zip64FieldsAndEndRecord) {
  ZipMember a = member("a.npy", good_npy()), b = member("b.npy", good_npy(), true), c = member("c.npy", good_npy());
  a.zip64 = b.zip64 = true;
  for (bool end64 : {false, true}) {
    const Bytes z = make_zip({a, b, c}, end64);
    const auto m = read_npz_buffer(z.data(), z.size(), "mem.npz");
    ASSERT_EQ(m.size(), 3u);
    for (const auto& [k, v] : m) EXPECT_EQ(v.to_float(), kSix) << k;
  }
  // A zip64 extra field too short for the saturated values.
  Bytes z = make_zip({a});
  const std::size_t central = find_sig(z, 0x02014b50);
  poke(z, central + 46 + 5 + 2, 8, 2);
  EXPECT_FALSE(npz_error(z).empty());
}

TEST(NpyZip, SkipsNonNpyMembers) {
  const Bytes z = make_zip({member("dir/", Bytes{}), member("readme.txt", Bytes{'x'}), member("w.npy", good_npy())});
  const auto m = read_npz_buffer(z.data(), z.size(), "mem.npz");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.count("w"), 1u);
}

// Random corruption of real files: must succeed or throw InputError, never crash.
TEST(NpyMalformed, RandomCorruptionOnlyThrowsInputError) {
  std::mt19937 rng(1234);
  for (const char* name : {"half.npy", "savez.npz", "savez_compressed.npz"}) {
    const Bytes full = read_bytes(fixture(name));
    ASSERT_FALSE(full.empty());
    const bool npz = std::string(name).find(".npz") != std::string::npos;
    for (int iter = 0; iter < 3000; ++iter) {
      Bytes b = full;
      const int flips = 1 + int(rng() % 4);
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<unsigned char>(rng());
      try {
        if (npz) {
          read_npz_buffer(b.data(), b.size(), name);
        } else {
          read_npy_buffer(b.data(), b.size(), name);
        }
      } catch (const InputError&) {
      } catch (const std::exception& e) {
        FAIL() << name << " iteration " << iter << ": " << e.what();
      }
    }
  }
}

// Issue 17: a member whose declared size exceeds what the caller can need is refused before
// it is inflated (a zip bomb), and non-finite values are refused naming the array and index.
TEST(NpyHostile, MemberDeclaringMoreThanTheCallerAllowsIsRefused) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  write_npz(path, {{"big", {{4, 4}, std::vector<float>(16, 1.0f)}}});
  EXPECT_NE(input_error([&] { read_npz(path, 64); }).find("member 'big.npy': declares"), std::string::npos);
  EXPECT_EQ(read_npz(path, 1 << 20).size(), 1u);
}

TEST(NpyHostile, NonFiniteValuesAreRefusedWithTheirIndex) {
  TempDir dir;
  const std::string path = dir.file("w.npz");
  std::vector<float> v(6, 0.5f);
  v[4] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> w(3, 0.5f);
  w[2] = std::numeric_limits<float>::infinity();
  write_npz(path, {{"a", {{2, 3}, v}}, {"b", {{3}, w}}});
  const auto arrays = read_npz(path);
  EXPECT_EQ(input_error([&] { arrays.at("a").to_finite_float("w.npz: array 'a'"); }),
            "w.npz: array 'a': element [1, 1] is nan (weights and inputs must be finite)");
  EXPECT_NE(input_error([&] { arrays.at("b").to_finite_float("b"); }).find("element [2] is inf"), std::string::npos);
  NpyArray d;  // float64 beyond float32's range becomes inf
  d.shape = {1};
  d.dtype = "<f8";
  d.data = {1e300};
  EXPECT_NE(input_error([&] { d.to_finite_float("d"); }).find("beyond float32's range"), std::string::npos);
}

TEST(NpyHostile, NonRegularFilesAreRefused) {
  EXPECT_NE(input_error([&] { read_npz("/dev/zero"); }).find("is a character device, not a regular file"),
            std::string::npos);
}

}  // namespace
}  // namespace ebatch
