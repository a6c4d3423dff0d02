// The element-wise entries of a backend table, built on vector_kernels.hpp
// and parameterised by how a backend splits work across its threads.
//
// `Split` provides
//     template <class Body>
//     static void run(mlrun_backend* self, std::int64_t units, std::int64_t unit_cost, Body&& body);
// which calls body(begin, end) on disjoint ranges covering [0, units),
// possibly from several threads at once; unit_cost is the number of
// elements one unit stands for, so the split can leave small work on one
// thread. Each body runs with denormals flushed to zero on its thread
// (flush_denormals.hpp). A backend puts them in its table with
// plugin_author::add_kernels<element_wise<Split>>. Cases these kernels do not handle (other activations, invalid
// arguments) answer UNIMPLEMENTED, so the reference kernel runs and reports
// any error with its own message.
#pragma once

#include "mlrun/abi/mlrun_backend.h"
#include "vector_kernels.hpp"

#include <cstdint>

namespace mlrun::vector_kernels {

template <class Split> struct element_wise {
    static mlrun_status fill(mlrun_backend* self, std::int64_t n, float value, float* y)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) { vector_kernels::fill(e - b, value, y + b); });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status axpby(mlrun_backend* self, std::int64_t n, float alpha, const float* x, float beta, float* y)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::axpby(e - b, alpha, x + b, beta, y + b);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status multiply(mlrun_backend* self, std::int64_t n, const float* a, const float* b_in, float* y)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::multiply(e - b, a + b, b_in + b, y + b);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status bias_add(mlrun_backend* self, std::int64_t rows, std::int64_t cols, const float* bias,
                                 float* y)
    {
        if (rows < 0 || cols < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, rows, cols, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::bias_add(e - b, cols, cols, bias, y + b * cols);
        });
        return MLRUN_STATUS_OK;
    }

    // Split by columns, so each thread sums whole columns in the reference's order.
    static mlrun_status bias_grad(mlrun_backend* self, std::int64_t rows, std::int64_t cols, const float* dy,
                                  float* db)
    {
        if (rows < 0 || cols < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, cols, rows, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::bias_grad(rows, e - b, cols, dy + b, db + b);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status activation_forward(mlrun_backend* self, std::int32_t activation, std::int64_t n,
                                           const float* x, float* y)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        if (activation == MLRUN_ACTIVATION_RELU) {
            Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
                vector_kernels::relu_forward(e - b, x + b, y + b);
            });
            return MLRUN_STATUS_OK;
        }
        if (activation == MLRUN_ACTIVATION_LINEAR) return axpby(self, n, 1.0f, x, 0.0f, y);
        return MLRUN_STATUS_UNIMPLEMENTED;
    }

    static mlrun_status activation_backward(mlrun_backend* self, std::int32_t activation, std::int64_t n,
                                            const float* y, const float* dy, float* dx)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        if (activation == MLRUN_ACTIVATION_RELU) {
            Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
                vector_kernels::relu_backward(e - b, y + b, dy + b, dx + b);
            });
            return MLRUN_STATUS_OK;
        }
        if (activation == MLRUN_ACTIVATION_LINEAR) return axpby(self, n, 1.0f, dy, 0.0f, dx);
        return MLRUN_STATUS_UNIMPLEMENTED;
    }

    static mlrun_status dropout_forward(mlrun_backend* self, std::int64_t n, float rate, std::uint64_t seed,
                                        const float* x, float* mask, float* y)
    {
        if (n < 0 || !(rate >= 0.0f && rate < 1.0f)) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::dropout_forward(b, e - b, rate, seed, x + b, mask + b, y + b);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status sgd_update(mlrun_backend* self, std::int64_t n, float lr, float momentum,
                                   std::int32_t nesterov, float* w, const float* g, float* velocity)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::sgd_update(e - b, lr, momentum, nesterov != 0, w + b, g + b,
                                       velocity != nullptr ? velocity + b : nullptr);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status adam_update(mlrun_backend* self, std::int64_t n, float lr, float beta_1, float beta_2,
                                    float epsilon, std::int64_t t, float* w, const float* g, float* m, float* v,
                                    float* vhat)
    {
        if (n < 0 || t < 1) return MLRUN_STATUS_UNIMPLEMENTED;
        const float alpha = adam_step_size(lr, beta_1, beta_2, t);
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::adam_update(e - b, alpha, beta_1, beta_2, epsilon, w + b, g + b, m + b, v + b,
                                        vhat != nullptr ? vhat + b : nullptr);
        });
        return MLRUN_STATUS_OK;
    }

    static mlrun_status rmsprop_update(mlrun_backend* self, std::int64_t n, float lr, float rho, float momentum,
                                       float epsilon, float* w, const float* g, float* ms, float* mom, float* mg)
    {
        if (n < 0) return MLRUN_STATUS_UNIMPLEMENTED;
        Split::run(self, n, 1, [&](std::int64_t b, std::int64_t e) {
            vector_kernels::rmsprop_update(e - b, lr, rho, momentum, epsilon, w + b, g + b, ms + b,
                                           mom != nullptr ? mom + b : nullptr, mg != nullptr ? mg + b : nullptr);
        });
        return MLRUN_STATUS_OK;
    }
};

}  // namespace mlrun::vector_kernels
