#pragma once

// IDX files: the simple tensor format of the MNIST family of data sets.
// Layout: 00 00, a type code byte, a rank byte, one big-endian u32 per
// dimension, then the elements in row-major order, big-endian.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mlrun/data/data_error.hpp"

namespace mlrun {

enum class idx_type : std::uint8_t {
    u8 = 0x08,
    i8 = 0x09,
    i16 = 0x0B,
    i32 = 0x0C,
    f32 = 0x0D,
    f64 = 0x0E,
};

// Bytes per element (1, 2, 4 or 8); throws std::invalid_argument for a
// value outside the enum.
std::size_t idx_element_size(idx_type t);

// "u8", "i8", "i16", "i32", "f32", "f64".
const char* idx_type_name(idx_type t);

struct idx_array {
    idx_type type = idx_type::u8;
    std::vector<std::size_t> dims;
    std::vector<std::byte> data;  // element bytes in host byte order

    // Product of dims; 0 when dims is empty. Arrays from read_idx are
    // guaranteed not to overflow.
    std::size_t element_count() const;
};

// Reads a raw or gzip-compressed IDX file. Compression is detected from
// the gzip magic bytes (1f 8b), not from the file name.
// Throws data_error on any problem.
idx_array read_idx(const std::string& path);

// Writes an IDX file, gzip-compressed when path ends in ".gz".
// Throws data_error when the array is not a valid IDX array (rank 1 to 8,
// dims fitting in 32 bits, data size matching dims) or writing fails.
void write_idx(const std::string& path, const idx_array& a);

}  // namespace mlrun
