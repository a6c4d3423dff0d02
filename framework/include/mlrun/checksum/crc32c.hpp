// CRC-32C (Castagnoli), fast (SSE4.2, three streams at once), and the
// masking TensorFlow's checksums go through. One implementation for the
// framework and the format plugins: plugins cannot link the framework, so
// this is a small static library (mlrun_crc32c) that each links.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mlrun::checksum {

// Continues the finished crc `crc` (0 for no data yet) over `size` more
// bytes. Uses the SSE4.2 crc32 instruction when the processor has it.
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size);

inline std::uint32_t crc32c(const void* data, std::size_t size) { return crc32c_extend(0, data, size); }

// Stored checksums are masked, so that a crc of data that itself holds
// crcs does not degenerate.
constexpr std::uint32_t crc_mask_delta = 0xa282ead8u;

constexpr std::uint32_t mask_crc(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + crc_mask_delta; }

constexpr std::uint32_t unmask_crc(std::uint32_t masked)
{
    const std::uint32_t rotated = masked - crc_mask_delta;
    return (rotated >> 17) | (rotated << 15);
}

// "0x1f273806", as checksums are shown in messages.
std::string crc_hex(std::uint32_t crc);

}  // namespace mlrun::checksum
