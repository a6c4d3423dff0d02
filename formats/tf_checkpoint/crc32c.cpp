#include "crc32c.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mlrun::tf {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82f63b78u;

constexpr std::array<std::uint32_t, 256> make_table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ reflected_polynomial : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> table = make_table();

// Byte at a time: only for processors without SSE4.2.
std::uint32_t extend_portable(std::uint32_t state, const unsigned char* p, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) state = table[(state ^ p[i]) & 0xffu] ^ (state >> 8);
    return state;
}

#if defined(__x86_64__)
// Eight bytes per instruction: a 400 MB checkpoint is checksummed at
// several GB/s, which keeps saving close to the speed of plain writes.
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t state, const unsigned char* p,
                                                              std::size_t n)
{
    std::uint64_t wide = state;
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        wide = _mm_crc32_u64(wide, word);
        p += 8;
        n -= 8;
    }
    auto narrow = static_cast<std::uint32_t>(wide);
    while (n > 0) {
        narrow = _mm_crc32_u8(narrow, *p++);
        --n;
    }
    return narrow;
}

const bool has_sse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t size)
{
    const auto* p = static_cast<const unsigned char*>(data);
    const std::uint32_t state = crc ^ 0xffffffffu;
#if defined(__x86_64__)
    if (has_sse42) return extend_sse42(state, p, size) ^ 0xffffffffu;
#endif
    return extend_portable(state, p, size) ^ 0xffffffffu;
}

std::string crc_hex(std::uint32_t crc)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", crc);
    return text;
}

}  // namespace mlrun::tf
