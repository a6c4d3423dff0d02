#include "onednn_matmul.hpp"

#include <omp.h>

#include <cstring>

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

std::int64_t bits_of(float f)
{
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
}

}  // namespace

bool matmul_cache::multiply(int threads, precision p, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n,
                            std::int64_t k, float alpha, const float* a, std::int64_t lda, const float* b,
                            std::int64_t ldb, float beta, float* c, std::int64_t ldc)
{
    // The primitive splits its work for the thread count it was made with.
    omp_set_num_threads(threads);
    const prepared_cache<12>::key key{static_cast<std::int64_t>(p), trans_a, trans_b, m, n, k, lda, ldb, ldc,
                                      bits_of(alpha), bits_of(beta), threads};
    prepared* e = entries_.find_or_make(key, engine_, [&](prepared& made) {
        const dnnl_data_type_t in = type_of(p);
        // A keeps the caller's orientation (a plain conversion); B, read
        // once per output block, takes whatever layout the matmul prefers.
        const dnnl_memory_desc_t a_desc = strided(m, k, trans_a ? m : k, trans_a, in);
        const dnnl_memory_desc_t b_desc =
            p == precision::bf16 ? any_layout({k, n}, in) : strided(k, n, ldb, trans_b, in);
        const dnnl_memory_desc_t a_user = strided(m, k, lda, trans_a, dnnl_f32);
        const dnnl_memory_desc_t b_user = strided(k, n, ldb, trans_b, dnnl_f32);
        const dnnl_memory_desc_t c_desc = strided(m, n, ldc, false, dnnl_f32);
        dnnl_matmul_desc_t op;
        if (dnnl_matmul_desc_init(&op, p == precision::bf16 ? &a_desc : &a_user, &b_desc, nullptr, &c_desc) !=
            dnnl_success) {
            return false;
        }
        const product_attributes attr(alpha, beta);
        primitive_desc pd;
        if (!pd.create(&op, engine_, nullptr, attr.get())) return false;
        dnnl_memory_t user_a = made.user(a_user), user_b = made.user(b_user), user_c = made.user(c_desc);
        if (user_a == nullptr || user_b == nullptr || user_c == nullptr) return false;
        dnnl_memory_t src = made.input_for(pd.pd, dnnl_query_src_md, user_a);
        dnnl_memory_t weights = made.input_for(pd.pd, dnnl_query_weights_md, user_b);
        if (src == nullptr || weights == nullptr) return false;
        return made.add(pd.pd, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, user_c}});
    });
    return e != nullptr && e->bind({a, b, c}) && e->run();
}

bool bf16_instructions()
{
    const unsigned bf16_isa = dnnl_cpu_isa_avx512_core_bf16;
    return (static_cast<unsigned>(dnnl_get_effective_cpu_isa()) & bf16_isa) == bf16_isa;
}

}  // namespace mlrun::onednn
