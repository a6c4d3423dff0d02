// The bf16 products (ABI 1.3): the inputs rounded to bf16 one by one, then
// the float32 kernel on the rounded copies. The product of two bf16 values
// is exact in float32 (8 + 8 significant bits), so what is left is the
// float32 kernel's own summation: this is what a CPU's bf16 dot product
// computes, and the definition the other backends' bf16 kernels are tested
// against.
#include "reference_internal.hpp"

#include "mlrun/abi/mlrun_bf16.h"

#include <vector>

namespace mlrun::reference {
namespace {

// The `count` values from `values` rounded to bf16, in `scratch` (one of
// two per thread, kept between calls so a training step allocates nothing
// once its buffers have grown).
const float* rounded(const float* values, int64_t count, std::vector<float>& scratch)
{
    if (scratch.size() < static_cast<std::size_t>(count)) scratch.resize(static_cast<std::size_t>(count));
    for (int64_t i = 0; i < count; ++i) scratch[static_cast<std::size_t>(i)] = mlrun_bf16_round(values[i]);
    return scratch.data();
}

std::vector<float>& first_scratch()
{
    thread_local std::vector<float> values;
    return values;
}

std::vector<float>& second_scratch()
{
    thread_local std::vector<float> values;
    return values;
}

// Elements a rows x cols matrix with row stride `ld` spans in memory.
int64_t matrix_span(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

int64_t input_size(const mlrun_conv2d_shape& s) { return s.batch * s.in_height * s.in_width * s.in_channels; }
int64_t output_size(const mlrun_conv2d_shape& s) { return s.batch * s.out_height * s.out_width * s.out_channels; }
int64_t filter_size(const mlrun_conv2d_shape& s)
{
    return s.groups < 1 ? 0 : s.kernel_height * s.kernel_width * (s.in_channels / s.groups) * s.out_channels;
}

bool sizes_valid(const mlrun_conv2d_shape& s)
{
    return s.batch >= 0 && s.in_height >= 0 && s.in_width >= 0 && s.in_channels >= 0 && s.out_height >= 0 &&
           s.out_width >= 0 && s.out_channels >= 0 && s.kernel_height >= 0 && s.kernel_width >= 0 && s.groups >= 1;
}

}  // namespace

mlrun_status gemm_bf16(mlrun_backend* self, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc)
{
    if (m < 0 || n < 0 || k < 0) return fail(MLRUN_STATUS_INVALID_ARGUMENT, "gemm_bf16: negative dimension");
    const float* a16 = rounded(a, trans_a ? matrix_span(k, m, lda) : matrix_span(m, k, lda), first_scratch());
    const float* b16 = rounded(b, trans_b ? matrix_span(n, k, ldb) : matrix_span(k, n, ldb), second_scratch());
    return gemm(self, trans_a, trans_b, m, n, k, alpha, a16, lda, b16, ldb, beta, c, ldc);
}

mlrun_status conv2d_forward_bf16(mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x, const float* w,
                                 float* y)
{
    if (shape == nullptr || !sizes_valid(*shape)) return conv2d_forward(self, shape, x, w, y);  // its message names the fault
    return conv2d_forward(self, shape, rounded(x, input_size(*shape), first_scratch()),
                          rounded(w, filter_size(*shape), second_scratch()), y);
}

mlrun_status conv2d_backward_data_bf16(mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* w,
                                       const float* dy, float* dx)
{
    if (shape == nullptr || !sizes_valid(*shape)) return conv2d_backward_data(self, shape, w, dy, dx);
    return conv2d_backward_data(self, shape, rounded(w, filter_size(*shape), first_scratch()),
                                rounded(dy, output_size(*shape), second_scratch()), dx);
}

mlrun_status conv2d_backward_weights_bf16(mlrun_backend* self, const mlrun_conv2d_shape* shape, const float* x,
                                          const float* dy, float* dw)
{
    if (shape == nullptr || !sizes_valid(*shape)) return conv2d_backward_weights(self, shape, x, dy, dw);
    return conv2d_backward_weights(self, shape, rounded(x, input_size(*shape), first_scratch()),
                                   rounded(dy, output_size(*shape), second_scratch()), dw);
}

}  // namespace mlrun::reference
