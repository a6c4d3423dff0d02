// Convolution lowered to matrix products: im2col gathers, for each output
// pixel, the input cells its window reads into one row, so a group's
// convolution is that matrix times the group's filter columns; col2im
// scatters such rows back (backward data).
//
// For group g, row (n, oh, ow) of the matrix, n counted from
// `first_image`, holds the taps (kh, kw, i) in HWIO order, i < C_in /
// groups: exactly the rows of the filter's group-g block, so no filter is
// ever transposed or copied. Cells in the padding are zeros.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <cstdint>

namespace mlrun::openblas {

// Columns of the lowered matrix: kernel_height * kernel_width * (C_in / groups).
std::int64_t lowered_columns(const mlrun_conv2d_shape& s);

// Writes `images` images' rows, images * out_height * out_width of them.
void im2col(const mlrun_conv2d_shape& s, const float* x, std::int64_t first_image, std::int64_t images,
            std::int64_t group, float* rows);

// Adds the rows back into dx where im2col took them from (padding dropped).
void col2im_add(const mlrun_conv2d_shape& s, const float* rows, std::int64_t first_image, std::int64_t images,
                std::int64_t group, float* dx);

}  // namespace mlrun::openblas
