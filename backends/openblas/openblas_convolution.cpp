#include "openblas_convolution.hpp"

#include "conv_lowering.hpp"
#include "mlrun/backend/window_geometry.hpp"

#include <cblas.h>

#include <algorithm>
#include <climits>

namespace mlrun::openblas {
namespace {

// The lowered matrix of one chunk stays under 32 MiB (unless one image
// alone needs more): large enough for sgemm to run at its peak.
constexpr std::int64_t chunk_floats = std::int64_t{8} << 20;

bool fits_int(std::int64_t v) { return v >= 0 && v <= INT_MAX; }

bool pointwise(const mlrun_conv2d_shape& s)
{
    return s.kernel_height == 1 && s.kernel_width == 1 && s.stride_height == 1 && s.stride_width == 1 &&
           s.pad_top == 0 && s.pad_bottom == 0 && s.pad_left == 0 && s.pad_right == 0 && s.groups == 1;
}

// C (m x n, row stride ldc) = op(A) op(B) + beta C, as row-major cblas_sgemm.
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc)
{
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b,
                static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// Every matrix dimension and stride the products below use fits BLAS's int.
bool blas_sized(const mlrun_conv2d_shape& s)
{
    const std::int64_t pixels = s.batch * std::max(s.in_height * s.in_width, s.out_height * s.out_width);
    return fits_int(pixels) && fits_int(lowered_columns(s)) && fits_int(s.out_channels) && fits_int(s.in_channels);
}

}  // namespace

std::int64_t convolution::chunk_images(const mlrun_conv2d_shape& s)
{
    const std::int64_t per_image = s.out_height * s.out_width * lowered_columns(s);
    const std::int64_t images = std::clamp<std::int64_t>(chunk_floats / per_image, 1, s.batch);
    const auto needed = static_cast<std::size_t>(images * per_image);
    if (lowered_.size() < needed) lowered_.resize(needed);  // grows to the run's largest, then stays
    return images;
}

mlrun_status convolution::forward(const mlrun_conv2d_shape& s, const float* x, const float* w, float* y)
{
    if (!window_geometry::conv2d_shape_problem(s).empty() || !blas_sized(s)) return MLRUN_STATUS_UNIMPLEMENTED;
    const std::int64_t out_per_group = s.out_channels / s.groups;
    const std::int64_t pixels = s.out_height * s.out_width;
    if (pointwise(s)) {
        sgemm(false, false, s.batch * pixels, s.out_channels, s.in_channels, x, s.in_channels, w, s.out_channels,
              0.0f, y, s.out_channels);
        return MLRUN_STATUS_OK;
    }
    const std::int64_t k = lowered_columns(s);
    const std::int64_t chunk = chunk_images(s);
    for (std::int64_t first = 0; first < s.batch; first += chunk) {
        const std::int64_t images = std::min(chunk, s.batch - first);
        for (std::int64_t g = 0; g < s.groups; ++g) {
            im2col(s, x, first, images, g, lowered_.data());
            // y's group-g columns = lowered (rows x k) * w's group-g columns (k x out_per_group).
            sgemm(false, false, images * pixels, out_per_group, k, lowered_.data(), k, w + g * out_per_group,
                  s.out_channels, 0.0f, y + first * pixels * s.out_channels + g * out_per_group, s.out_channels);
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status convolution::backward_data(const mlrun_conv2d_shape& s, const float* w, const float* dy, float* dx)
{
    if (!window_geometry::conv2d_shape_problem(s).empty() || !blas_sized(s)) return MLRUN_STATUS_UNIMPLEMENTED;
    const std::int64_t out_per_group = s.out_channels / s.groups;
    const std::int64_t pixels = s.out_height * s.out_width;
    if (pointwise(s)) {
        sgemm(false, true, s.batch * pixels, s.in_channels, s.out_channels, dy, s.out_channels, w, s.out_channels,
              0.0f, dx, s.in_channels);
        return MLRUN_STATUS_OK;
    }
    std::fill(dx, dx + s.batch * s.in_height * s.in_width * s.in_channels, 0.0f);
    const std::int64_t k = lowered_columns(s);
    const std::int64_t chunk = chunk_images(s);
    for (std::int64_t first = 0; first < s.batch; first += chunk) {
        const std::int64_t images = std::min(chunk, s.batch - first);
        for (std::int64_t g = 0; g < s.groups; ++g) {
            // The lowered gradient (rows x k) = dy's group-g columns * (w's group-g columns)^T.
            sgemm(false, true, images * pixels, k, out_per_group, dy + first * pixels * s.out_channels + g * out_per_group,
                  s.out_channels, w + g * out_per_group, s.out_channels, 0.0f, lowered_.data(), k);
            col2im_add(s, lowered_.data(), first, images, g, dx);
        }
    }
    return MLRUN_STATUS_OK;
}

mlrun_status convolution::backward_weights(const mlrun_conv2d_shape& s, const float* x, const float* dy, float* dw)
{
    if (!window_geometry::conv2d_shape_problem(s).empty() || !blas_sized(s)) return MLRUN_STATUS_UNIMPLEMENTED;
    const std::int64_t out_per_group = s.out_channels / s.groups;
    const std::int64_t pixels = s.out_height * s.out_width;
    if (pointwise(s)) {
        sgemm(true, false, s.in_channels, s.out_channels, s.batch * pixels, x, s.in_channels, dy, s.out_channels,
              0.0f, dw, s.out_channels);
        return MLRUN_STATUS_OK;
    }
    const std::int64_t k = lowered_columns(s);
    const std::int64_t chunk = chunk_images(s);
    for (std::int64_t first = 0; first < s.batch; first += chunk) {
        const std::int64_t images = std::min(chunk, s.batch - first);
        for (std::int64_t g = 0; g < s.groups; ++g) {
            im2col(s, x, first, images, g, lowered_.data());
            // dw's group-g columns (k x out_per_group) += lowered^T * dy's group-g columns; the first chunk sets them.
            sgemm(true, false, k, out_per_group, images * pixels, lowered_.data(), k,
                  dy + first * pixels * s.out_channels + g * out_per_group, s.out_channels, first == 0 ? 0.0f : 1.0f,
                  dw + g * out_per_group, s.out_channels);
        }
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::openblas
