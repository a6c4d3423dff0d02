#include "onednn_matmul.hpp"

#include <omp.h>

#include <stdexcept>

namespace mlrun::onednn {
namespace {

template <class Entry> bool same_shape(const Entry& x, const Entry& y)
{
    return x.threads == y.threads && x.trans_a == y.trans_a && x.trans_b == y.trans_b && x.m == y.m && x.n == y.n &&
           x.k == y.k && x.lda == y.lda && x.ldb == y.ldb && x.ldc == y.ldc;
}

// A rows x cols matrix stored row-major with row stride `ld`, or its
// transpose (stored cols x rows).
bool describe(dnnl_memory_desc_t& desc, std::int64_t rows, std::int64_t cols, std::int64_t ld, bool transposed)
{
    const dnnl_dims_t dims = {rows, cols};
    const dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
    return dnnl_memory_desc_init_by_strides(&desc, 2, dims, dnnl_f32, strides) == dnnl_success;
}

}  // namespace

matmul_cache::matmul_cache()
{
    entries_.reserve(capacity);
    if (dnnl_engine_create(&engine_, dnnl_cpu, 0) != dnnl_success) {
        throw std::runtime_error("oneDNN could not create a CPU engine");
    }
    if (dnnl_stream_create(&stream_, engine_, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(engine_);
        throw std::runtime_error("oneDNN could not create a CPU stream");
    }
}

matmul_cache::~matmul_cache()
{
    for (const entry& e : entries_) {
        dnnl_memory_destroy(e.a);
        dnnl_memory_destroy(e.b);
        dnnl_memory_destroy(e.c);
        dnnl_primitive_destroy(e.primitive);
    }
    dnnl_stream_destroy(stream_);
    dnnl_engine_destroy(engine_);
}

const matmul_cache::entry* matmul_cache::find_or_make(const entry& wanted)
{
    for (const entry& e : entries_) {
        if (same_shape(e, wanted)) return &e;
    }
    if (entries_.size() == capacity) return nullptr;

    dnnl_memory_desc_t a_desc, b_desc, c_desc;
    dnnl_matmul_desc_t op;
    if (!describe(a_desc, wanted.m, wanted.k, wanted.lda, wanted.trans_a) ||
        !describe(b_desc, wanted.k, wanted.n, wanted.ldb, wanted.trans_b) ||
        !describe(c_desc, wanted.m, wanted.n, wanted.ldc, false) ||
        dnnl_matmul_desc_init(&op, &a_desc, &b_desc, nullptr, &c_desc) != dnnl_success) {
        return nullptr;
    }
    dnnl_primitive_desc_t pd = nullptr;
    if (dnnl_primitive_desc_create(&pd, &op, nullptr, engine_, nullptr) != dnnl_success) return nullptr;
    entry made = wanted;
    const bool ok = dnnl_primitive_create(&made.primitive, pd) == dnnl_success;
    dnnl_primitive_desc_destroy(pd);
    if (!ok) return nullptr;
    made.a = made.b = made.c = nullptr;
    if (dnnl_memory_create(&made.a, &a_desc, engine_, DNNL_MEMORY_NONE) != dnnl_success ||
        dnnl_memory_create(&made.b, &b_desc, engine_, DNNL_MEMORY_NONE) != dnnl_success ||
        dnnl_memory_create(&made.c, &c_desc, engine_, DNNL_MEMORY_NONE) != dnnl_success) {
        dnnl_memory_destroy(made.a);
        dnnl_memory_destroy(made.b);
        dnnl_memory_destroy(made.c);
        dnnl_primitive_destroy(made.primitive);
        return nullptr;
    }
    entries_.push_back(made);  // within the reserved capacity: no allocation
    return &entries_.back();
}

bool matmul_cache::multiply(int threads, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                            const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                            std::int64_t ldc)
{
    // The primitive splits its work for the thread count it was made with.
    omp_set_num_threads(threads);
    const entry wanted{threads, trans_a, trans_b, m, n, k, lda, ldb, ldc, nullptr, nullptr, nullptr, nullptr};
    const entry* e = find_or_make(wanted);
    if (e == nullptr) return false;
    // oneDNN only reads A and B, but its handles are not const.
    if (dnnl_memory_set_data_handle(e->a, const_cast<float*>(a)) != dnnl_success ||
        dnnl_memory_set_data_handle(e->b, const_cast<float*>(b)) != dnnl_success ||
        dnnl_memory_set_data_handle(e->c, c) != dnnl_success) {
        return false;
    }
    const dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, e->a}, {DNNL_ARG_WEIGHTS, e->b}, {DNNL_ARG_DST, e->c}};
    return dnnl_primitive_execute(e->primitive, stream_, 3, args) == dnnl_success;
}

}  // namespace mlrun::onednn
