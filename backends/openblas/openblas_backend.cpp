// The OpenBLAS backend: gemm through cblas_sgemm on OpenBLAS's own pthread
// pool, the element-wise kernels vectorised on the calling thread.
//
// Threads: OpenBLAS's pool is the only one this backend uses. The
// element-wise kernels stay on the calling thread rather than starting a
// second pool, so no two thread runtimes ever compete for the cores; at the
// sizes of a training step they take microseconds anyway.
//
// With the default thread count (backend.threads: 0) each gemm shape runs
// on one thread or on all, whichever its calls are timed faster on
// (thread_probe.hpp): OpenBLAS's master waits for its workers, and on a
// core shared with another busy process a worker is late often enough to
// make two threads several times slower than one.
#include "element_wise_table.hpp"
#include "flush_denormals.hpp"
#include "openblas_convolution.hpp"
#include "thread_option.hpp"
#include "thread_probe.hpp"

#include "mlrun/plugin/backend_plugin.hpp"
#include "mlrun/plugin/plugin_author.hpp"

#include <cblas.h>

#include <chrono>
#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

// Declared again here: not every cblas.h on the include path is OpenBLAS's.
extern "C" void openblas_set_num_threads(int num_threads);
extern "C" int openblas_get_num_threads(void);

namespace {

// One gemm shape and the thread count its calls are timed to be fastest on.
struct shape_probe {
    int trans_a, trans_b;
    std::int64_t m, n, k;
    mlrun::backend_shared::thread_probe probe;
};

struct openblas_backend {
    int threads = 1;
    bool probe_threads = false;  // the default count: each shape may run on one thread instead
    std::string error;
    mlrun::openblas::convolution convolution;  // its scratch outlives each call
    std::vector<shape_probe> probes;            // a model has a handful of shapes

    openblas_backend(const mlrun_option* options, size_t count)
    {
        if (!mlrun::backend_shared::thread_option(options, count, 1, threads, error)) {
            throw std::invalid_argument(error);
        }
        probe_threads = threads > 1 && mlrun::backend_shared::threads_are_default(options, count);
        openblas_set_num_threads(threads);
    }

    // The probe of this shape; null past a bound on shapes, whose calls
    // then use every thread.
    mlrun::backend_shared::thread_probe* probe_of(int trans_a, int trans_b, std::int64_t m, std::int64_t n,
                                                  std::int64_t k)
    {
        for (shape_probe& p : probes) {
            if (p.trans_a == trans_a && p.trans_b == trans_b && p.m == m && p.n == n && p.k == k) return &p.probe;
        }
        if (probes.size() >= 64) return nullptr;
        probes.push_back({trans_a, trans_b, m, n, k, mlrun::backend_shared::thread_probe(threads)});
        return &probes.back().probe;
    }
};

openblas_backend& state(mlrun_backend* self) { return mlrun::plugin_author::backend_state<openblas_backend>(self); }

// Everything runs on the calling thread (see the file comment).
struct serial_split {
    template <class Body> static void run(mlrun_backend*, std::int64_t units, std::int64_t, Body&& body)
    {
        if (units <= 0) return;
        mlrun::backend_shared::flush_denormals scope;
        body(0, units);
    }
};

bool fits_int(std::int64_t value) { return value >= 0 && value <= INT_MAX; }

// One process-wide setting: put this backend's back if another changed it.
openblas_backend& with_threads(mlrun_backend* self)
{
    openblas_backend& be = state(self);
    if (openblas_get_num_threads() != be.threads) openblas_set_num_threads(be.threads);
    return be;
}

mlrun_status gemm(mlrun_backend* self, int trans_a, int trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                  float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta,
                  float* c, std::int64_t ldc)
{
    if (m < 0 || n < 0 || k < 0) return MLRUN_STATUS_UNIMPLEMENTED;  // the reference reports it
    if (m == 0 || n == 0) return MLRUN_STATUS_OK;
    // BLAS refuses row strides shorter than a row and sizes past int; k == 0
    // (C = beta C) is left to the reference too.
    const std::int64_t a_cols = trans_a ? m : k;
    const std::int64_t b_cols = trans_b ? k : n;
    if (k == 0 || lda < a_cols || ldb < b_cols || ldc < n || !fits_int(m) || !fits_int(n) || !fits_int(k) ||
        !fits_int(lda) || !fits_int(ldb) || !fits_int(ldc)) {
        return MLRUN_STATUS_UNIMPLEMENTED;
    }
    openblas_backend& be = with_threads(self);
    mlrun::backend_shared::thread_probe* probe = be.probe_threads ? be.probe_of(trans_a, trans_b, m, n, k) : nullptr;
    const int threads = probe != nullptr ? probe->next() : be.threads;
    if (threads != be.threads) openblas_set_num_threads(threads);
    const auto started = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a, static_cast<int>(lda), b,
                static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
    if (probe != nullptr) {
        probe->record(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    if (threads != be.threads) openblas_set_num_threads(be.threads);
    return MLRUN_STATUS_OK;
}

// Convolution by im2col + sgemm (openblas_convolution.hpp); pooling and
// normalization come from the reference.
struct convolution_kernels {
    static mlrun_status conv2d_forward(mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x,
                                       const float* w, float* y)
    {
        if (shape == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return with_threads(self).convolution.forward(*shape, x, w, y);
    }
    static mlrun_status conv2d_backward_data(mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* w,
                                             const float* dy, float* dx)
    {
        if (shape == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return with_threads(self).convolution.backward_data(*shape, w, dy, dx);
    }
    static mlrun_status conv2d_backward_weights(mlrun_backend* self, const mlrun_conv2d_shape* shape,
                                                const float* x, const float* dy, float* dw)
    {
        if (shape == nullptr) return MLRUN_STATUS_UNIMPLEMENTED;
        return with_threads(self).convolution.backward_weights(*shape, x, dy, dw);
    }
};

mlrun_backend_table make_table()
{
    mlrun_backend_table t = mlrun::plugin_author::backend_table<openblas_backend>();
    t.gemm = gemm;
    t.threads = mlrun::plugin_author::threads_of<openblas_backend>;
    mlrun::plugin_author::add_kernels<convolution_kernels>(t);
    mlrun::plugin_author::add_kernels<mlrun::vector_kernels::element_wise<serial_split>>(t);
    return t;
}

}  // namespace

MLRUN_BACKEND_PLUGIN(make_table, "openblas", "1.0.0", "gemm by OpenBLAS (its pthread pool, backend.threads threads); vectorised element-wise kernels")
