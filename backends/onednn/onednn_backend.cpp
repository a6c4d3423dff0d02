// The oneDNN backend: gemm by oneDNN's AVX-512 kernels, the element-wise
// kernels vectorised and spread over the same OpenMP threads oneDNN uses.
//
// Threads: oneDNN (Debian's build) runs on OpenMP, and so do this
// backend's own loops, so one thread team serves both; this backend never
// calls OpenBLAS, whose pthread pool therefore stays asleep.
#include "element_wise_table.hpp"
#include "flush_denormals.hpp"
#include "onednn_bf16_convert.hpp"
#include "onednn_layers.hpp"
#include "onednn_matmul.hpp"
#include "thread_option.hpp"

#include "mlrun/plugin/backend_plugin.hpp"
#include "mlrun/plugin/plugin_author.hpp"

#include <dnnl.h>
#include <dnnl_debug.h>
#include <omp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

using mlrun::onednn::precision;

struct onednn_backend {
    int threads = 1;
    std::string error;
    // Whether this CPU has bf16 instructions oneDNN uses; where it has none,
    // the bf16 kernels answer UNIMPLEMENTED and the host emulates them.
    bool bf16 = mlrun::onednn::bf16_instructions();
    std::unique_ptr<mlrun::onednn::engine> engine;
    std::unique_ptr<mlrun::onednn::matmul_cache> matmuls;
    std::unique_ptr<mlrun::onednn::layer_primitives> layers;

    onednn_backend(const mlrun_option* options, size_t count)
    {
        if (!mlrun::backend_shared::thread_option(options, count, 1, threads, error)) {
            throw std::invalid_argument(error);
        }
        engine = std::make_unique<mlrun::onednn::engine>();
        matmuls = std::make_unique<mlrun::onednn::matmul_cache>(*engine);
        layers = std::make_unique<mlrun::onednn::layer_primitives>(*engine);
    }
};

onednn_backend& state(mlrun_backend* self) { return mlrun::plugin_author::backend_state<onednn_backend>(self); }

// Below this many elements per thread, waking a second thread costs more
// than it saves (an OpenMP region with spinning workers costs about 3 us;
// a vectorised pass over 32k floats in cache takes about as long).
constexpr std::int64_t min_elements_per_thread = 32768;
// Products under 2 MFLOP (the MLP's 32 x 512 x 10 ones) run on one thread.
constexpr double small_gemm_flop = 2e6;

struct omp_split {
    template <class Body>
    static void run(mlrun_backend* self, std::int64_t units, std::int64_t unit_cost, Body&& body)
    {
        if (units <= 0) return;
        const std::int64_t work = units * std::max<std::int64_t>(unit_cost, 1);
        const std::int64_t parts =
            std::min<std::int64_t>({state(self).threads, work / min_elements_per_thread, units});
        if (parts <= 1) {
            mlrun::backend_shared::flush_denormals scope;
            body(0, units);
            return;
        }
#pragma omp parallel num_threads(static_cast<int>(parts))
        {
            mlrun::backend_shared::flush_denormals scope;  // each thread has its own mode
            // Part boundaries on multiples of 16 units: whole cache lines of floats.
            const std::int64_t count = omp_get_num_threads();
            const std::int64_t id = omp_get_thread_num();
            auto boundary = [&](std::int64_t i) {
                return i == count ? units : std::min(units, units * i / count / 16 * 16);
            };
            const std::int64_t begin = boundary(id);
            const std::int64_t end = boundary(id + 1);
            if (begin < end) body(begin, end);
        }
    }
};

// Whether gemm's sizes and strides are ones oneDNN takes; the reference
// reports the others (negative sizes, short strides) and does k = 0.
bool plain_gemm(int trans_a, int trans_b, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda,
                std::int64_t ldb, std::int64_t ldc)
{
    return m > 0 && n > 0 && k > 0 && lda >= (trans_a ? m : k) && ldb >= (trans_b ? k : n) && ldc >= n;
}

// A product this small finishes before a second thread would be awake.
bool small_product(std::int64_t m, std::int64_t n, std::int64_t k)
{
    return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) < small_gemm_flop;
}

mlrun_status gemm(mlrun_backend* self, int trans_a, int trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                  float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                  float* c, std::int64_t ldc)
{
    if (m >= 0 && n >= 0 && (m == 0 || n == 0)) return MLRUN_STATUS_OK;
    if (!plain_gemm(trans_a, trans_b, m, n, k, lda, ldb, ldc)) return MLRUN_STATUS_UNIMPLEMENTED;
    onednn_backend& be = state(self);
    const bool small = small_product(m, n, k);
    const int threads = small ? 1 : be.threads;
    // Measured on the MLP's shapes (AVX-512, 1 and 2 threads): oneDNN's
    // matmul primitive beats dnnl_sgemm on the weight gradient x^T dz (A
    // transposed, k = batch) by 5-20% and on the small products by 1-2 us
    // each (a third of their time); dnnl_sgemm is faster on the large
    // forward product.
    if ((trans_a || small) && alpha == 1.0f && beta == 0.0f &&
        be.matmuls->multiply(threads, precision::float32, trans_a != 0, trans_b != 0, m, n, k, 1.0f, a, lda, b, ldb,
                             0.0f, c, ldc)) {
        return MLRUN_STATUS_OK;
    }
    // oneDNN sizes its OpenMP team from the calling thread's setting.
    omp_set_num_threads(threads);
    const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b,
                                            ldb, beta, c, ldc);
    if (status != dnnl_success) {
        be.error = std::string("dnnl_sgemm failed with status ") + dnnl_status2str(status);
        return MLRUN_STATUS_INTERNAL;
    }
    return MLRUN_STATUS_OK;
}

// mixed_bfloat16's product: both inputs converted to bf16 inside the call
// (onednn_matmul.hpp), multiplied by oneDNN's bf16 matmul, summed in float32.
mlrun_status gemm_bf16(mlrun_backend* self, int trans_a, int trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                       float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                       float* c, std::int64_t ldc)
{
    onednn_backend& be = state(self);
    if (!be.bf16) return MLRUN_STATUS_UNIMPLEMENTED;
    if (m >= 0 && n >= 0 && (m == 0 || n == 0)) return MLRUN_STATUS_OK;
    if (!plain_gemm(trans_a, trans_b, m, n, k, lda, ldb, ldc)) return MLRUN_STATUS_UNIMPLEMENTED;
    const int threads = small_product(m, n, k) ? 1 : be.threads;
    const bool done = be.matmuls->multiply(threads, precision::bf16, trans_a != 0, trans_b != 0, m, n, k, alpha, a,
                                           lda, b, ldb, beta, c, ldc);
    return done ? MLRUN_STATUS_OK : MLRUN_STATUS_UNIMPLEMENTED;
}

int32_t bf16_native(mlrun_backend* self) { return state(self).bf16 ? 1 : 0; }

// Convolution, pooling and normalization on oneDNN's primitives
// (onednn_layers.hpp); a failed run's message becomes the backend's error.
// The normalization backwards (*_on_onednn) fail to run on oneDNN 2.6 as
// written and are not in the table yet: the reference runs them.
struct layer_kernels {
    template <class Call> static mlrun_status run(mlrun_backend* self, Call&& call)
    {
        onednn_backend& be = state(self);
        const mlrun_status status = call(*be.layers, be.threads);
        if (status == MLRUN_STATUS_INTERNAL) be.error = be.layers->error();
        return status;
    }

    static mlrun_status conv2d_forward(mlrun_backend* self, const mlrun_conv2d_shape* s, const float* x,
                                       const float* w, float* y)
    {
        if (s == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) { return l.conv2d_forward(threads, precision::float32, *s, x, w, y); });
    }
    static mlrun_status conv2d_forward_bf16(mlrun_backend* self, const mlrun_conv2d_shape* s, const float* x,
                                            const float* w, float* y)
    {
        if (s == nullptr || !state(self).bf16) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) { return l.conv2d_forward(threads, precision::bf16, *s, x, w, y); });
    }
    static mlrun_status conv2d_backward_data(mlrun_backend* self, const mlrun_conv2d_shape* s, const float* w,
                                             const float* dy, float* dx)
    {
        if (s == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) {
            return l.conv2d_backward_data(threads, precision::float32, *s, w, dy, dx);
        });
    }
    static mlrun_status conv2d_backward_data_bf16(mlrun_backend* self, const mlrun_conv2d_shape* s, const float* w,
                                                  const float* dy, float* dx)
    {
        if (s == nullptr || !state(self).bf16) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) {
            return l.conv2d_backward_data(threads, precision::bf16, *s, w, dy, dx);
        });
    }
    static mlrun_status conv2d_backward_weights(mlrun_backend* self, const mlrun_conv2d_shape* s, const float* x,
                                                const float* dy, float* dw)
    {
        if (s == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) {
            return l.conv2d_backward_weights(threads, precision::float32, *s, x, dy, dw);
        });
    }
    static mlrun_status conv2d_backward_weights_bf16(mlrun_backend* self, const mlrun_conv2d_shape* s,
                                                     const float* x, const float* dy, float* dw)
    {
        if (s == nullptr || !state(self).bf16) return MLRUN_STATUS_UNIMPLEMENTED;
        return run(self, [&](auto& l, int threads) {
            return l.conv2d_backward_weights(threads, precision::bf16, *s, x, dy, dw);
        });
    }
    static mlrun_status pool2d_forward(mlrun_backend* self, std::int32_t pooling, const mlrun_pool2d_shape* s,
                                       const float* x, float* y, std::int32_t* argmax)
    {
        if (s == nullptr || (pooling != MLRUN_POOLING_MAX && pooling != MLRUN_POOLING_AVERAGE)) {
            return MLRUN_STATUS_UNIMPLEMENTED;
        }
        return run(self, [&](auto& l, int threads) { return l.pool2d_forward(threads, pooling, *s, x, y, argmax); });
    }
    static mlrun_status pool2d_backward(mlrun_backend* self, std::int32_t pooling, const mlrun_pool2d_shape* s,
                                        const float*, const std::int32_t* argmax, const float* dy, float* dx)
    {
        if (s == nullptr || (pooling != MLRUN_POOLING_MAX && pooling != MLRUN_POOLING_AVERAGE)) {
            return MLRUN_STATUS_UNIMPLEMENTED;
        }
        return run(self,
                   [&](auto& l, int threads) { return l.pool2d_backward(threads, pooling, *s, argmax, dy, dx); });
    }
    static mlrun_status batch_norm_forward_training(mlrun_backend* self, std::int64_t rows, std::int64_t channels,
                                                    const float* x, const float* gamma, const float* beta,
                                                    float epsilon, float* y, float* mean, float* variance)
    {
        return run(self, [&](auto& l, int threads) {
            return l.batch_norm_forward(threads, true, rows, channels, x, gamma, beta, epsilon, y, nullptr, nullptr,
                                        mean, variance);
        });
    }
    static mlrun_status batch_norm_forward_inference(mlrun_backend* self, std::int64_t rows, std::int64_t channels,
                                                     const float* x, const float* gamma, const float* beta,
                                                     const float* mean, const float* variance, float epsilon,
                                                     float* y)
    {
        return run(self, [&](auto& l, int threads) {
            return l.batch_norm_forward(threads, false, rows, channels, x, gamma, beta, epsilon, y, mean, variance,
                                        nullptr, nullptr);
        });
    }
    static mlrun_status batch_norm_backward_on_onednn(mlrun_backend* self, std::int32_t batch_statistics, std::int64_t rows,
                                            std::int64_t channels, const float* x, const float* dy,
                                            const float* gamma, const float* mean, const float* variance,
                                            float epsilon, float* dx, float* dgamma, float* dbeta)
    {
        return run(self, [&](auto& l, int threads) {
            return l.batch_norm_backward(threads, batch_statistics != 0, rows, channels, x, dy, gamma, mean,
                                         variance, epsilon, dx, dgamma, dbeta);
        });
    }
    static mlrun_status layer_norm_forward(mlrun_backend* self, std::int64_t rows, std::int64_t cols,
                                           const float* x, const float* gamma, const float* beta, float epsilon,
                                           float* y, float* mean, float* variance)
    {
        return run(self, [&](auto& l, int threads) {
            return l.layer_norm_forward(threads, rows, cols, x, gamma, beta, epsilon, y, mean, variance);
        });
    }
    static mlrun_status layer_norm_backward_on_onednn(mlrun_backend* self, std::int64_t rows, std::int64_t cols,
                                            const float* x, const float* dy, const float* gamma, const float* mean,
                                            const float* variance, float epsilon, float* dx, float* dgamma,
                                            float* dbeta)
    {
        return run(self, [&](auto& l, int threads) {
            return l.layer_norm_backward(threads, rows, cols, x, dy, gamma, mean, variance, epsilon, dx, dgamma,
                                         dbeta);
        });
    }
};

mlrun_backend_table make_table()
{
    mlrun_backend_table t = mlrun::plugin_author::backend_table<onednn_backend>();
    t.gemm = gemm;
    t.gemm_bf16 = gemm_bf16;
    t.bf16_native = bf16_native;
    t.threads = mlrun::plugin_author::threads_of<onednn_backend>;
    mlrun::plugin_author::add_kernels<layer_kernels>(t);
    mlrun::plugin_author::add_kernels<mlrun::vector_kernels::element_wise<omp_split>>(t);
    return t;
}

}  // namespace

MLRUN_BACKEND_PLUGIN(make_table, "onednn", "1.0.0", "gemm by oneDNN (AVX-512 where present; bf16 on AVX512_BF16 or AMX); element-wise kernels vectorised; OpenMP, backend.threads threads")
