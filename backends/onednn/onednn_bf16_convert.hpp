// float32 to bf16 for the oneDNN backend's bf16 products, on the CPU's own
// conversion instruction (AVX512_BF16's VCVTNE2PS2BF16: round to nearest
// even, NaN kept quiet, as mlrun_bf16_round; like the backend's float32
// kernels it counts denormal inputs as zero).
//
// oneDNN's reorder primitive does the same conversion, but measured inside
// the MLP's training step it took several times longer than this loop for
// the same matrices; the products' inputs are converted here instead.
#pragma once

#include <cstdint>

namespace mlrun::onednn {

// Whether oneDNN runs bf16 products on this CPU's own bf16 instructions
// (AVX512_BF16, or AMX), rather than not at all or emulated; to_bf16 needs
// them too.
bool bf16_instructions();

// The rows x cols matrix at `src` (row stride `ld`) into the dense one at
// `dst`, split over up to `threads` OpenMP threads. Only on a CPU with
// AVX512_BF16 (bf16_instructions()).
void to_bf16(int threads, const float* src, std::int64_t rows, std::int64_t cols, std::int64_t ld,
             std::uint16_t* dst);

}  // namespace mlrun::onednn
