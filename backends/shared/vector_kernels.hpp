// Element-wise kernels written so the compiler vectorises them, shared by
// the OpenBLAS and oneDNN backends.
//
// Each function works on one contiguous range and computes exactly what the
// reference kernel of the same name computes, with the same operations in
// the same order (and no fused multiply-add), so the results are bitwise
// identical to the reference, except where denormals are flushed to zero
// (the backends run these kernels so; see flush_denormals.hpp). They do not check their arguments: the
// backend tables (element_wise_table.hpp) do that and split the work
// across threads, because how to split depends on each backend's thread
// runtime.
#pragma once

#include <cstdint>

namespace mlrun::vector_kernels {

void fill(std::int64_t n, float value, float* y);
// y = alpha * x + beta * y; beta == 0 ignores y's old content.
void axpby(std::int64_t n, float alpha, const float* x, float beta, float* y);
void multiply(std::int64_t n, const float* a, const float* b, float* y);

void relu_forward(std::int64_t n, const float* x, float* y);
// dx = y > 0 ? dy : 0
void relu_backward(std::int64_t n, const float* y, const float* dy, float* dx);

// y[r, c] += bias[c] for `rows` rows of `cols` columns, rows `stride` apart.
void bias_add(std::int64_t rows, std::int64_t cols, std::int64_t stride, const float* bias, float* y);
// db[c] = sum over r of dy[r, c], rows `stride` apart, summed first to last
// as the reference does.
void bias_grad(std::int64_t rows, std::int64_t cols, std::int64_t stride, const float* dy, float* db);

// Inverted dropout over elements [first, first + n) of a tensor whose
// element 0 is at x[0]: the decision for element i depends on (seed, i)
// only, so any split of the range gives the same mask.
void dropout_forward(std::int64_t first, std::int64_t n, float rate, std::uint64_t seed, const float* x,
                     float* mask, float* y);

// The optimizer updates of mlrun_backend.h; `alpha` is Adam's step size
// with both bias corrections folded in (adam_step_size).
void adam_update(std::int64_t n, float alpha, float beta_1, float beta_2, float epsilon, float* w, const float* g,
                 float* m, float* v, float* vhat);
float adam_step_size(float lr, float beta_1, float beta_2, std::int64_t t);
void sgd_update(std::int64_t n, float lr, float momentum, bool nesterov, float* w, const float* g, float* velocity);
void rmsprop_update(std::int64_t n, float lr, float rho, float momentum, float epsilon, float* w, const float* g,
                    float* ms, float* mom, float* mg);

}  // namespace mlrun::vector_kernels
