// Linear algebra and reductions.
#include "reference_internal.hpp"

namespace mlrun::reference {

mlrun_status fill(mlrun_backend*, int64_t n, float value, float* y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = value;
    return MLRUN_STATUS_OK;
}

mlrun_status axpby(mlrun_backend*, int64_t n, float alpha, const float* x, float beta, float* y)
{
    if (beta == 0.0f) {
        for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i];
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
    }
    return MLRUN_STATUS_OK;
}

mlrun_status multiply(mlrun_backend*, int64_t n, const float* a, const float* b, float* y)
{
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
    return MLRUN_STATUS_OK;
}

mlrun_status sum(mlrun_backend*, int64_t n, const float* x, double* out)
{
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) total += x[i];
    *out = total;
    return MLRUN_STATUS_OK;
}

mlrun_status argmax_rows(mlrun_backend*, int64_t rows, int64_t cols, const float* x, int32_t* out)
{
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = x + r * cols;
        int64_t best = 0;
        for (int64_t c = 1; c < cols; ++c) {
            if (row[c] > row[best]) best = c;
        }
        out[r] = static_cast<int32_t>(best);
    }
    return MLRUN_STATUS_OK;
}

// Loop orders keep the innermost loop on contiguous memory so the compiler
// vectorises it; the transposed-B case is a dot product instead.
mlrun_status gemm(mlrun_backend*, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc)
{
    if (m < 0 || n < 0 || k < 0) return fail(MLRUN_STATUS_INVALID_ARGUMENT, "gemm: negative dimension");
    for (int64_t i = 0; i < m; ++i) {
        float* c_row = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) c_row[j] = beta == 0.0f ? 0.0f : beta * c_row[j];
    }
    auto a_at = [&](int64_t i, int64_t p) { return trans_a ? a[p * lda + i] : a[i * lda + p]; };
    if (!trans_b) {
        for (int64_t i = 0; i < m; ++i) {
            float* c_row = c + i * ldc;
            for (int64_t p = 0; p < k; ++p) {
                const float scaled = alpha * a_at(i, p);
                const float* b_row = b + p * ldb;
                for (int64_t j = 0; j < n; ++j) c_row[j] += scaled * b_row[j];
            }
        }
        return MLRUN_STATUS_OK;
    }
    for (int64_t i = 0; i < m; ++i) {
        float* c_row = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) {
            const float* b_row = b + j * ldb;
            float dot = 0.0f;
            for (int64_t p = 0; p < k; ++p) dot += a_at(i, p) * b_row[p];
            c_row[j] += alpha * dot;
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status bias_add(mlrun_backend*, int64_t rows, int64_t cols, const float* bias, float* y)
{
    for (int64_t r = 0; r < rows; ++r) {
        float* row = y + r * cols;
        for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
    }
    return MLRUN_STATUS_OK;
}

mlrun_status bias_grad(mlrun_backend*, int64_t rows, int64_t cols, const float* dy, float* db)
{
    for (int64_t c = 0; c < cols; ++c) db[c] = 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
        const float* row = dy + r * cols;
        for (int64_t c = 0; c < cols; ++c) db[c] += row[c];
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
