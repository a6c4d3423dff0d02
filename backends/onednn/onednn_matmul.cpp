#include "onednn_matmul.hpp"

#include "onednn_bf16_convert.hpp"

#include <omp.h>

namespace mlrun::onednn {
namespace {

// A rows x cols matrix stored row-major with row stride `ld`, or its
// transpose (stored cols x rows).
dnnl_memory_desc_t strided(std::int64_t rows, std::int64_t cols, std::int64_t ld, bool transposed,
                           dnnl_data_type_t type)
{
    const dnnl_dims_t dims = {rows, cols};
    const dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
    dnnl_memory_desc_t desc{};
    dnnl_memory_desc_init_by_strides(&desc, 2, dims, type, strides);
    return desc;
}

}  // namespace

bool matmul_cache::multiply(int threads, precision p, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                            std::int64_t ldb, float beta, float* c, std::int64_t ldc)
{
    // The primitive splits its work for the thread count it was made with.
    omp_set_num_threads(threads);
    const bool bf16 = p == precision::bf16;
    const prepared_cache<12>::key key{static_cast<std::int64_t>(p), trans_a, trans_b, m, n, k, lda, ldb, ldc,
                                      bits_of(alpha), bits_of(beta), threads};
    prepared* e = entries_.find_or_make(key, engine_, [&](prepared& made) {
        // In bf16 the inputs are dense copies in the caller's orientation
        // (owned memories 0 and 1), filled before each run.
        const dnnl_memory_desc_t a_desc =
            bf16 ? strided(m, k, trans_a ? m : k, trans_a, dnnl_bf16) : strided(m, k, lda, trans_a, dnnl_f32);
        const dnnl_memory_desc_t b_desc =
            bf16 ? strided(k, n, trans_b ? k : n, trans_b, dnnl_bf16) : strided(k, n, ldb, trans_b, dnnl_f32);
        const dnnl_memory_desc_t c_desc = strided(m, n, ldc, false, dnnl_f32);
        dnnl_matmul_desc_t op;
        if (dnnl_matmul_desc_init(&op, &a_desc, &b_desc, nullptr, &c_desc) != dnnl_success) return false;
        const product_attributes attr(alpha, beta);
        primitive_desc pd;
        if (!pd.create(&op, engine_, nullptr, attr.get())) return false;
        dnnl_memory_t src = bf16 ? made.owned(a_desc) : made.user(a_desc);
        dnnl_memory_t weights = bf16 ? made.owned(b_desc) : made.user(b_desc);
        dnnl_memory_t dst = made.user(c_desc);
        if (src == nullptr || weights == nullptr || dst == nullptr) return false;
        return made.add(pd.pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}});
    });
    if (e == nullptr) return false;
    if (!bf16) return e->bind({a, b, c}) && e->run();
    to_bf16(threads, a, trans_a ? k : m, trans_a ? m : k, lda, static_cast<std::uint16_t*>(e->owned_data(0)));
    to_bf16(threads, b, trans_b ? n : k, trans_b ? k : n, ldb, static_cast<std::uint16_t*>(e->owned_data(1)));
    return e->bind({c}) && e->run();
}

}  // namespace mlrun::onednn
