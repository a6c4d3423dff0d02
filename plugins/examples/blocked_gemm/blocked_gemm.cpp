// A backend that provides one kernel, gemm, as a cache-blocked loop; every
// other kernel falls back to mlrun's reference implementation.
#include <mlrun/plugin/backend_plugin.hpp>

#include <algorithm>
#include <string>

namespace {

// Tiles sized so a block of B (block_k x block_n floats, 64 KiB) stays in
// the L2 cache while rows of A stream past it.
constexpr int64_t block_k = 128;
constexpr int64_t block_n = 128;

// No state; backend_table makes one per create() all the same.
struct blocked_backend {
    blocked_backend(const mlrun_option*, size_t) {}
    std::string error;
};

mlrun_status gemm(mlrun_backend*, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc)
{
    // Only the plain layout is blocked here; the host runs the reference
    // kernel for the transposed ones.
    if (trans_a || trans_b) return MLRUN_STATUS_UNIMPLEMENTED;
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    for (int64_t p0 = 0; p0 < k; p0 += block_k) {
        const int64_t p1 = std::min(k, p0 + block_k);
        for (int64_t j0 = 0; j0 < n; j0 += block_n) {
            const int64_t j1 = std::min(n, j0 + block_n);
            for (int64_t i = 0; i < m; ++i) {
                float* c_row = c + i * ldc;
                for (int64_t p = p0; p < p1; ++p) {
                    const float scaled = alpha * a[i * lda + p];
                    const float* b_row = b + p * ldb;
                    for (int64_t j = j0; j < j1; ++j) c_row[j] += scaled * b_row[j];
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_backend_table make_table()
{
    // Every kernel left NULL falls back to the reference.
    mlrun_backend_table t = mlrun::plugin_author::backend_table<blocked_backend>();
    t.gemm = gemm;
    return t;
}

}  // namespace

MLRUN_BACKEND_PLUGIN(make_table, "blocked_gemm", "1.0.0", "example: a cache-blocked gemm, everything else from the reference")
