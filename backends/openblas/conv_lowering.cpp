#include "conv_lowering.hpp"

#include <algorithm>

namespace mlrun::openblas {
namespace {

// Calls visit(tap_offset_in_row, input_offset_or_-1) for each (kh, kw) tap
// of each output pixel of the given images, rows written one after another.
template <class Visit>
void for_each_tap(const mlrun_conv2d_shape& s, std::int64_t first_image, std::int64_t images, std::int64_t group,
                  Visit&& visit)
{
    const std::int64_t per_group = s.in_channels / s.groups;
    const std::int64_t columns = lowered_columns(s);
    std::int64_t row = 0;
    for (std::int64_t n = first_image; n < first_image + images; ++n) {
        for (std::int64_t oh = 0; oh < s.out_height; ++oh) {
            for (std::int64_t ow = 0; ow < s.out_width; ++ow, ++row) {
                std::int64_t column = row * columns;
                for (std::int64_t kh = 0; kh < s.kernel_height; ++kh) {
                    const std::int64_t ih = oh * s.stride_height + kh * s.dilation_height - s.pad_top;
                    for (std::int64_t kw = 0; kw < s.kernel_width; ++kw, column += per_group) {
                        const std::int64_t iw = ow * s.stride_width + kw * s.dilation_width - s.pad_left;
                        const bool inside = ih >= 0 && ih < s.in_height && iw >= 0 && iw < s.in_width;
                        visit(column,
                              inside ? ((n * s.in_height + ih) * s.in_width + iw) * s.in_channels + group * per_group
                                     : -1);
                    }
                }
            }
        }
    }
}

}  // namespace

std::int64_t lowered_columns(const mlrun_conv2d_shape& s)
{
    return s.kernel_height * s.kernel_width * (s.in_channels / s.groups);
}

void im2col(const mlrun_conv2d_shape& s, const float* x, std::int64_t first_image, std::int64_t images,
            std::int64_t group, float* rows)
{
    const std::int64_t per_group = s.in_channels / s.groups;
    for_each_tap(s, first_image, images, group, [&](std::int64_t at, std::int64_t from) {
        if (from < 0) std::fill(rows + at, rows + at + per_group, 0.0f);
        else std::copy(x + from, x + from + per_group, rows + at);
    });
}

void col2im_add(const mlrun_conv2d_shape& s, const float* rows, std::int64_t first_image, std::int64_t images,
                std::int64_t group, float* dx)
{
    const std::int64_t per_group = s.in_channels / s.groups;
    for_each_tap(s, first_image, images, group, [&](std::int64_t at, std::int64_t to) {
        if (to < 0) return;
        for (std::int64_t i = 0; i < per_group; ++i) dx[to + i] += rows[at + i];
    });
}

}  // namespace mlrun::openblas
