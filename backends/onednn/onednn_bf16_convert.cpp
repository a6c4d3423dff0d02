#include "onednn_bf16_convert.hpp"

#include <dnnl.h>
#include <immintrin.h>
#include <omp.h>

#include <algorithm>

namespace mlrun::onednn {
namespace {

// Below this many elements per thread a second thread costs more than it
// saves (as the backend's element-wise kernels).
constexpr std::int64_t min_elements_per_thread = 32768;

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void convert_row(const float* src, std::int64_t count,
                                                                 std::uint16_t* dst)
{
    std::int64_t i = 0;
    for (; i + 32 <= count; i += 32) {
        const __m512bh pair = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + i + 16), _mm512_loadu_ps(src + i));
        _mm512_storeu_si512(dst + i, reinterpret_cast<__m512i>(pair));
    }
    for (; i < count; i += 16) {
        const __mmask16 lanes = static_cast<__mmask16>(count - i >= 16 ? 0xffff : (1u << (count - i)) - 1u);
        const __m256bh half = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(lanes, src + i));
        _mm256_mask_storeu_epi16(dst + i, lanes, reinterpret_cast<__m256i>(half));
    }
}

void convert_rows(const float* src, std::int64_t begin, std::int64_t end, std::int64_t cols, std::int64_t ld,
                  std::uint16_t* dst)
{
    if (ld == cols) {  // dense: one run
        convert_row(src + begin * cols, (end - begin) * cols, dst + begin * cols);
        return;
    }
    for (std::int64_t r = begin; r < end; ++r) convert_row(src + r * ld, cols, dst + r * cols);
}

}  // namespace

void to_bf16(int threads, const float* src, std::int64_t rows, std::int64_t cols, std::int64_t ld,
             std::uint16_t* dst)
{
    const std::int64_t parts = std::min<std::int64_t>({threads, rows * cols / min_elements_per_thread, rows});
    if (parts <= 1) {
        convert_rows(src, 0, rows, cols, ld, dst);
        return;
    }
#pragma omp parallel num_threads(static_cast<int>(parts))
    {
        const std::int64_t count = omp_get_num_threads(), id = omp_get_thread_num();
        convert_rows(src, rows * id / count, rows * (id + 1) / count, cols, ld, dst);
    }
}

bool bf16_instructions()
{
    const unsigned bf16_isa = dnnl_cpu_isa_avx512_core_bf16;
    return (static_cast<unsigned>(dnnl_get_effective_cpu_isa()) & bf16_isa) == bf16_isa;
}

}  // namespace mlrun::onednn
