// CRC-32C (Castagnoli), as the record framing of TensorFlow's event files
// uses it, and its "masked" form (a CRC stored next to the data it covers
// is rotated and offset, so a CRC of data that holds CRCs stays strong).
#pragma once

#include <cstddef>
#include <cstdint>

namespace mlrun {

// CRC-32C of `size` bytes, continuing from `crc` (0 to start).
std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc = 0);

// ((crc >> 15) | (crc << 17)) + 0xa282ead8
std::uint32_t mask_crc32c(std::uint32_t crc);

}  // namespace mlrun
