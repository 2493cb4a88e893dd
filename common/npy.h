// Reader and writer for NumPy .npy arrays and .npz archives (the weight and
// golden-data exchange format).
//
// Reads: npy format versions 1.0, 2.0 and 3.0; C-order arrays of bool, int8..int64,
// uint8..uint64, float16/32/64 in either byte order; npz archives (ZIP) whose members
// are stored or deflated (numpy.savez / savez_compressed), with or without zip64
// extra fields. Every value is converted to double (64-bit integers beyond 2^53 lose
// precision). Writes float32 arrays only, npz members uncompressed, files replaced
// atomically (common/atomic_file.h; the archive through common/zip_writer.h).
// Ignores: Fortran-order, structured, object (pickled) and string dtypes (rejected),
// multi-disk and encrypted archives (rejected), npz members not named *.npy (skipped).
//
// Every malformed input throws InputError naming the file (and the npz member) and the
// reason; sizes are checked against the bytes actually present before allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ebatch {

// An array as read from a file: values converted to double, C (row-major) order.
struct NpyArray {
  std::vector<std::size_t> shape;  // empty for a 0-d (scalar) array
  std::vector<double> data;        // product(shape) values
  std::string dtype;               // descr from the header, e.g. "<f4", "|u1"

  std::size_t size() const { return data.size(); }
  // Kind letter of the dtype: 'f' float, 'i' signed, 'u' unsigned, 'b' bool.
  char kind() const { return dtype.size() >= 2 ? dtype[1] : '?'; }
  std::size_t itemsize() const;  // bytes per element in the file
  std::vector<float> to_float() const;
  // The same, refusing NaN and infinite values (and float64 values beyond float's range):
  // InputError "WHERE: element [i, j] is nan".
  std::vector<float> to_finite_float(const std::string& where) const;
};

// A float32 array to write.
struct FloatArray {
  std::vector<std::size_t> shape;  // product must equal data.size()
  std::vector<float> data;         // C order
};

// `name` labels error messages (a file path, "<fuzz>", ...).
NpyArray read_npy(const std::string& path);
NpyArray read_npy_buffer(const void* bytes, std::size_t size, const std::string& name);

// Keys are member names without ".npy" ("fc.weight.npy" -> "fc.weight"). A member whose
// declared uncompressed size exceeds `max_member_bytes` is refused before it is inflated
// (a "zip bomb"): callers pass the most any array they expect can need.
inline constexpr std::uint64_t kNpyHeaderAllowance = 1 << 17;  // an .npy header's room, generously
std::map<std::string, NpyArray> read_npz(const std::string& path, std::uint64_t max_member_bytes = UINT64_MAX);
std::map<std::string, NpyArray> read_npz_buffer(const void* bytes, std::size_t size, const std::string& name,
                                                std::uint64_t max_member_bytes = UINT64_MAX);

// Serialises one array as .npy (format 1.0, or 2.0 if the header needs it), '<f4'.
std::vector<unsigned char> encode_npy(const FloatArray& array);

// Both write through an AtomicFile (common/atomic_file.h): OutputError (naming the path)
// if the file cannot be written; InputError if an array's shape does not match its data.
// npz archives larger than 4 GiB (needing zip64) are rejected (InputError).
void write_npy(const std::string& path, const FloatArray& array);
void write_npz(const std::string& path, const std::map<std::string, FloatArray>& arrays);

}  // namespace ebatch
