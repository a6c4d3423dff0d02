// How a sliding window (a convolution's kernel, a pooling window) covers
// one spatial axis, with Keras's padding modes; the arithmetic (TensorFlow's)
// has one owner, backend/window_geometry.hpp, which the kernels check with.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace mlrun {

enum class padding_kind { valid, same };

// "valid" or "same"; throws config_error "WHERE: padding 'x' ...; expected valid or same".
padding_kind parse_padding(const std::string& text, const std::string& where);
std::string padding_name(padding_kind kind);

// Throws config_error for anything but "channels_last": mlrun's images are NHWC.
void check_channels_last(const std::string& data_format, const std::string& where);

// Throws config_error "WHERE: KEY must be at least 1 in every axis, found [..]".
template <std::size_t Rank>
void check_positive(const std::array<std::int64_t, Rank>& values, const std::string& key, const std::string& where);

// "[3, 3]".
template <std::size_t Rank>
std::string tuple_text(const std::array<std::int64_t, Rank>& values);

struct window_axis {
    std::int64_t input = 0;
    std::int64_t window = 1;  // kernel or pool size
    std::int64_t stride = 1;
    std::int64_t dilation = 1;
    std::int64_t pad_before = 0;
    std::int64_t pad_after = 0;
    std::int64_t output = 0;
};

// A window sliding over `input` cells. valid: floor((input - span) / stride) + 1
// outputs, span = (window - 1) * dilation + 1; same: ceil(input / stride),
// padded by max((output - 1) * stride + span - input, 0), the odd cell after.
// Throws model_error "WHERE: ..." when a valid window is larger than its input.
window_axis slide(std::int64_t input, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                  padding_kind padding, const std::string& what, const std::string& where);

// The same axis seen from a transposed convolution's output: the input of
// the convolution whose gradient it computes, as Keras sizes it. valid:
// input * stride + max(span - stride, 0); same: input * stride.
window_axis slide_transposed(std::int64_t input, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                             padding_kind padding);

}  // namespace mlrun
