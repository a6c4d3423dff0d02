// oneDNN matmul primitives for the gemm shapes a training run repeats.
//
// A run multiplies a handful of shapes over and over (one per layer and
// direction, plus those of a shorter last batch), so each primitive is
// made once, with its memory objects, and reused; a call then only points
// the memory objects at the caller's buffers. The entry table is reserved
// when the cache is made, so adding a shape allocates nothing here (oneDNN
// itself allocates while building the primitive).
#pragma once

#include <dnnl.h>

#include <cstdint>
#include <vector>

namespace mlrun::onednn {

class matmul_cache {
public:
    // Throws std::runtime_error when oneDNN cannot make a CPU engine.
    matmul_cache();
    ~matmul_cache();
    matmul_cache(const matmul_cache&) = delete;
    matmul_cache& operator=(const matmul_cache&) = delete;

    // C = op(A) op(B) (alpha 1, beta 0), row-major as in mlrun_backend.h,
    // run on `threads` OpenMP threads. Returns false, having done nothing,
    // when no primitive could be had (the table is full, or oneDNN refused
    // the shape); the caller then multiplies another way.
    bool multiply(int threads, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                  const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc);

private:
    struct entry {
        int threads;
        bool trans_a, trans_b;
        std::int64_t m, n, k, lda, ldb, ldc;
        dnnl_primitive_t primitive;
        dnnl_memory_t a, b, c;
    };
    const entry* find_or_make(const entry& wanted);

    static constexpr std::size_t capacity = 32;
    dnnl_engine_t engine_ = nullptr;
    dnnl_stream_t stream_ = nullptr;
    std::vector<entry> entries_;
};

}  // namespace mlrun::onednn
