// The geometry of convolution and pooling windows (mlrun_backend.h's
// mlrun_conv2d_shape and mlrun_pool2d_shape): output lengths, TensorFlow's
// "same" padding, and the check of a whole shape that every kernel makes.
// Header-only and free of host symbols, so layers, the reference and the
// backend plugins share one definition.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace mlrun::window_geometry {

struct padding {
    std::int64_t before = 0;
    std::int64_t after = 0;
};

// The cells a window of `kernel` taps `dilation` apart spans.
constexpr std::int64_t extent(std::int64_t kernel, std::int64_t dilation) { return dilation * (kernel - 1) + 1; }

// Windows along one axis with explicit padding; 0 when none fits.
constexpr std::int64_t output_length(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation,
                                     padding pad)
{
    const std::int64_t room = in + pad.before + pad.after - extent(kernel, dilation);
    return room < 0 ? 0 : room / stride + 1;
}

// TensorFlow's "same": ceil(in / stride) windows, padded by
// max((out - 1) * stride + extent - in, 0) cells, the smaller half before.
constexpr padding same_padding(std::int64_t in, std::int64_t kernel, std::int64_t stride, std::int64_t dilation)
{
    const std::int64_t out = (in + stride - 1) / stride;
    const std::int64_t needed = (out - 1) * stride + extent(kernel, dilation) - in;
    const std::int64_t total = needed > 0 ? needed : 0;
    return {total / 2, total - total / 2};
}

namespace detail {

// Sizes stay below 2^31 and tensors below 2^48 elements, so no index a
// kernel computes in int64 can overflow.
constexpr std::int64_t max_size = std::int64_t{1} << 31;
constexpr double max_elements = 281474976710656.0;  // 2^48

inline bool in_range(std::int64_t v, std::int64_t low) { return v >= low && v < max_size; }

inline std::string axis_problem(const char* axis, std::int64_t in, std::int64_t out, std::int64_t kernel,
                                std::int64_t stride, std::int64_t dilation, padding pad)
{
    const std::int64_t expected = output_length(in, kernel, stride, dilation, pad);
    if (expected == out) return "";
    return std::string(axis) + ": input " + std::to_string(in) + ", window " + std::to_string(kernel) + ", stride " +
           std::to_string(stride) + ", dilation " + std::to_string(dilation) + " and padding " +
           std::to_string(pad.before) + "+" + std::to_string(pad.after) + " give " + std::to_string(expected) +
           " outputs, the shape says " + std::to_string(out);
}

inline double product(std::initializer_list<std::int64_t> sizes)
{
    double p = 1.0;
    for (std::int64_t s : sizes) p *= static_cast<double>(s);
    return p;
}

}  // namespace detail

// What is wrong with a convolution shape ("" when nothing is).
inline std::string conv2d_shape_problem(const mlrun_conv2d_shape& s)
{
    using detail::in_range;
    const bool sizes = in_range(s.batch, 1) && in_range(s.in_height, 1) && in_range(s.in_width, 1) &&
                       in_range(s.in_channels, 1) && in_range(s.out_height, 1) && in_range(s.out_width, 1) &&
                       in_range(s.out_channels, 1) && in_range(s.kernel_height, 1) && in_range(s.kernel_width, 1) &&
                       in_range(s.stride_height, 1) && in_range(s.stride_width, 1) &&
                       in_range(s.dilation_height, 1) && in_range(s.dilation_width, 1) && in_range(s.groups, 1);
    const bool pads = in_range(s.pad_top, 0) && in_range(s.pad_bottom, 0) && in_range(s.pad_left, 0) &&
                      in_range(s.pad_right, 0);
    if (!sizes || !pads) return "every size must be from 1 (padding from 0) to 2^31 - 1";
    if (s.in_channels % s.groups != 0 || s.out_channels % s.groups != 0) {
        return "groups " + std::to_string(s.groups) + " must divide the input channels (" +
               std::to_string(s.in_channels) + ") and the output channels (" + std::to_string(s.out_channels) + ")";
    }
    if (detail::product({s.batch, s.in_height, s.in_width, s.in_channels}) > detail::max_elements ||
        detail::product({s.batch, s.out_height, s.out_width, s.out_channels}) > detail::max_elements ||
        detail::product({s.kernel_height, s.kernel_width, s.in_channels, s.out_channels}) > detail::max_elements) {
        return "a tensor of more than 2^48 elements";
    }
    std::string problem = detail::axis_problem("height", s.in_height, s.out_height, s.kernel_height, s.stride_height,
                                               s.dilation_height, {s.pad_top, s.pad_bottom});
    if (problem.empty()) {
        problem = detail::axis_problem("width", s.in_width, s.out_width, s.kernel_width, s.stride_width,
                                       s.dilation_width, {s.pad_left, s.pad_right});
    }
    return problem;
}

// What is wrong with a pooling shape ("" when nothing is).
inline std::string pool2d_shape_problem(const mlrun_pool2d_shape& s)
{
    using detail::in_range;
    const bool sizes = in_range(s.batch, 1) && in_range(s.in_height, 1) && in_range(s.in_width, 1) &&
                       in_range(s.channels, 1) && in_range(s.out_height, 1) && in_range(s.out_width, 1) &&
                       in_range(s.window_height, 1) && in_range(s.window_width, 1) && in_range(s.stride_height, 1) &&
                       in_range(s.stride_width, 1);
    const bool pads = in_range(s.pad_top, 0) && in_range(s.pad_bottom, 0) && in_range(s.pad_left, 0) &&
                      in_range(s.pad_right, 0);
    if (!sizes || !pads) return "every size must be from 1 (padding from 0) to 2^31 - 1";
    if (s.pad_top >= s.window_height || s.pad_bottom >= s.window_height || s.pad_left >= s.window_width ||
        s.pad_right >= s.window_width) {
        return "padding must be smaller than the window, or a window could hold no input cell";
    }
    if (detail::product({s.batch, s.in_height, s.in_width, s.channels}) > detail::max_elements ||
        detail::product({s.batch, s.out_height, s.out_width, s.channels}) > detail::max_elements) {
        return "a tensor of more than 2^48 elements";
    }
    std::string problem = detail::axis_problem("height", s.in_height, s.out_height, s.window_height, s.stride_height,
                                               1, {s.pad_top, s.pad_bottom});
    if (problem.empty()) {
        problem = detail::axis_problem("width", s.in_width, s.out_width, s.window_width, s.stride_width, 1,
                                       {s.pad_left, s.pad_right});
    }
    return problem;
}

}  // namespace mlrun::window_geometry
