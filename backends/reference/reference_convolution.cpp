// Convolution: the sums of mlrun_backend.h written out, one output at a
// time, accumulated in double so the oracle's own rounding is negligible.
#include "reference_internal.hpp"

#include "mlrun/backend/window_geometry.hpp"

#include <string>

namespace mlrun::reference {
namespace {

// Index arithmetic of one convolution shape.
struct conv_indexing {
    const mlrun_conv2d_shape& s;
    std::int64_t in_per_group = s.in_channels / s.groups;
    std::int64_t out_per_group = s.out_channels / s.groups;

    std::int64_t x_at(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) const
    {
        return ((n * s.in_height + h) * s.in_width + w) * s.in_channels + c;
    }
    std::int64_t y_at(std::int64_t n, std::int64_t h, std::int64_t w, std::int64_t c) const
    {
        return ((n * s.out_height + h) * s.out_width + w) * s.out_channels + c;
    }
    std::int64_t w_at(std::int64_t kh, std::int64_t kw, std::int64_t i, std::int64_t o) const
    {
        return ((kh * s.kernel_width + kw) * in_per_group + i) * s.out_channels + o;
    }
    // The input row (column) tap kh (kw) of output row oh (column ow) reads; may lie in the padding.
    std::int64_t in_row(std::int64_t oh, std::int64_t kh) const
    {
        return oh * s.stride_height + kh * s.dilation_height - s.pad_top;
    }
    std::int64_t in_col(std::int64_t ow, std::int64_t kw) const
    {
        return ow * s.stride_width + kw * s.dilation_width - s.pad_left;
    }
    bool inside(std::int64_t h, std::int64_t w) const { return h >= 0 && h < s.in_height && w >= 0 && w < s.in_width; }
};

mlrun_status check(const char* kernel, const mlrun_conv2d_shape* shape)
{
    if (shape == nullptr) return fail(MLRUN_STATUS_INVALID_ARGUMENT, (std::string(kernel) + ": no shape").c_str());
    const std::string problem = window_geometry::conv2d_shape_problem(*shape);
    if (problem.empty()) return MLRUN_STATUS_OK;
    return fail(MLRUN_STATUS_INVALID_ARGUMENT, (std::string(kernel) + ": " + problem).c_str());
}

}  // namespace

mlrun_status conv2d_forward(mlrun_backend*, const mlrun_conv2d_shape* shape, const float* x, const float* w,
                            float* y)
{
    if (const mlrun_status status = check("conv2d_forward", shape); status != MLRUN_STATUS_OK) return status;
    const mlrun_conv2d_shape& s = *shape;
    const conv_indexing at{s};
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
            for (std::int64_t ow = 0; ow < s.out_width; ++ow) {
                for (std::int64_t o = 0; o < s.out_channels; ++o) {
                    const std::int64_t first_in = o / at.out_per_group * at.in_per_group;
                    double total = 0.0;
                    for (std::int64_t kh = 0; kh < s.kernel_height; ++kh) {
                        for (std::int64_t kw = 0; kw < s.kernel_width; ++kw) {
                            const std::int64_t ih = at.in_row(oh, kh);
                            const std::int64_t iw = at.in_col(ow, kw);
                            if (!at.inside(ih, iw)) continue;  // padding reads 0
                            for (std::int64_t i = 0; i < at.in_per_group; ++i) {
                                total += double{x[at.x_at(n, ih, iw, first_in + i)]} * double{w[at.w_at(kh, kw, i, o)]};
                            }
                        }
                    }
                    y[at.y_at(n, oh, ow, o)] = static_cast<float>(total);
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

// dx[n, ih, iw, c] gathers every (output, tap) pair that read it.
mlrun_status conv2d_backward_data(mlrun_backend*, const mlrun_conv2d_shape* shape, const float* w, const float* dy,
                                  float* dx)
{
    if (const mlrun_status status = check("conv2d_backward_data", shape); status != MLRUN_STATUS_OK) return status;
    const mlrun_conv2d_shape& s = *shape;
    const conv_indexing at{s};
    for (std::int64_t n = 0; n < s.batch; ++n) {
        for (std::int64_t ih = 0; ih < s.in_height; ++ih) {
            for (std::int64_t iw = 0; iw < s.in_width; ++iw) {
                for (std::int64_t c = 0; c < s.in_channels; ++c) {
                    const std::int64_t group = c / at.in_per_group;
                    const std::int64_t i = c % at.in_per_group;
                    double total = 0.0;
                    for (std::int64_t kh = 0; kh < s.kernel_height; ++kh) {
                        // Output row oh reads ih through tap kh when oh * stride = ih + pad - kh * dilation.
                        const std::int64_t row = ih + s.pad_top - kh * s.dilation_height;
                        if (row < 0 || row % s.stride_height != 0 || row / s.stride_height >= s.out_height) continue;
                        const std::int64_t oh = row / s.stride_height;
                        for (std::int64_t kw = 0; kw < s.kernel_width; ++kw) {
                            const std::int64_t col = iw + s.pad_left - kw * s.dilation_width;
                            if (col < 0 || col % s.stride_width != 0 || col / s.stride_width >= s.out_width) continue;
                            const std::int64_t ow = col / s.stride_width;
                            for (std::int64_t k = 0; k < at.out_per_group; ++k) {
                                const std::int64_t o = group * at.out_per_group + k;
                                total += double{dy[at.y_at(n, oh, ow, o)]} * double{w[at.w_at(kh, kw, i, o)]};
                            }
                        }
                    }
                    dx[at.x_at(n, ih, iw, c)] = static_cast<float>(total);
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status conv2d_backward_weights(mlrun_backend*, const mlrun_conv2d_shape* shape, const float* x,
                                     const float* dy, float* dw)
{
    if (const mlrun_status status = check("conv2d_backward_weights", shape); status != MLRUN_STATUS_OK) return status;
    const mlrun_conv2d_shape& s = *shape;
    const conv_indexing at{s};
    for (std::int64_t kh = 0; kh < s.kernel_height; ++kh) {
        for (std::int64_t kw = 0; kw < s.kernel_width; ++kw) {
            for (std::int64_t i = 0; i < at.in_per_group; ++i) {
                for (std::int64_t o = 0; o < s.out_channels; ++o) {
                    const std::int64_t c = o / at.out_per_group * at.in_per_group + i;
                    double total = 0.0;
                    for (std::int64_t n = 0; n < s.batch; ++n) {
                        for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
                            for (std::int64_t ow = 0; ow < s.out_width; ++ow) {
                                const std::int64_t ih = at.in_row(oh, kh);
                                const std::int64_t iw = at.in_col(ow, kw);
                                if (!at.inside(ih, iw)) continue;
                                total += double{x[at.x_at(n, ih, iw, c)]} * double{dy[at.y_at(n, oh, ow, o)]};
                            }
                        }
                    }
                    dw[at.w_at(kh, kw, i, o)] = static_cast<float>(total);
                }
            }
        }
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
