// oneDNN matmul primitives for the gemm shapes a training run repeats.
//
// A run multiplies a handful of shapes over and over (one per layer and
// direction, plus those of a shorter last batch), so each primitive is
// made once, with its memory objects (onednn_prepared.hpp), and reused; a
// call then only points the memory objects at the caller's buffers.
//
// In bf16 (mixed_bfloat16's products) the two float32 inputs are first
// converted (onednn_bf16_convert.hpp) into dense bf16 buffers the prepared
// primitive owns; the product is summed and written in float32.
#pragma once

#include "onednn_prepared.hpp"

#include <cstdint>

namespace mlrun::onednn {

class matmul_cache {
public:
    explicit matmul_cache(const engine& e) : engine_(e) {}

    // C = alpha op(A) op(B) + beta C, row-major as in mlrun_backend.h, run
    // on `threads` OpenMP threads, its inputs read in `p`. Returns false,
    // having done nothing, when no primitive could be had (the table is
    // full, or oneDNN refused the shape); the caller then multiplies
    // another way.
    bool multiply(int threads, precision p, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
                  std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                  float beta, float* c, std::int64_t ldc);

private:
    const engine& engine_;
    // Key: precision, transposes, sizes, strides, alpha and beta's bits, threads.
    prepared_cache<12> entries_;
};

}  // namespace mlrun::onednn
