#include "mlrun/layers/window_geometry.hpp"

#include "mlrun/backend/window_geometry.hpp"
#include "mlrun/core/error.hpp"

#include <algorithm>

namespace mlrun {

padding_kind parse_padding(const std::string& text, const std::string& where)
{
    if (text == "valid") return padding_kind::valid;
    if (text == "same") return padding_kind::same;
    throw config_error(where + ": padding '" + text + "' is not one Keras has; expected valid or same" +
                       (text == "causal" ? " (causal padding is not supported)" : ""));
}

std::string padding_name(padding_kind kind) { return kind == padding_kind::same ? "same" : "valid"; }

void check_channels_last(const std::string& data_format, const std::string& where)
{
    if (data_format == "channels_last") return;
    throw config_error(where + ": data_format '" + data_format + "'; expected channels_last" +
                       (data_format == "channels_first"
                            ? " (mlrun keeps images as [rows, cols, channels]; channels_first is not supported)"
                            : ""));
}

template <std::size_t Rank>
std::string tuple_text(const std::array<std::int64_t, Rank>& values)
{
    std::string text = "[";
    for (std::size_t i = 0; i < Rank; ++i) text += (i == 0 ? "" : ", ") + std::to_string(values[i]);
    return text + "]";
}

template <std::size_t Rank>
void check_positive(const std::array<std::int64_t, Rank>& values, const std::string& key, const std::string& where)
{
    for (std::int64_t v : values) {
        if (v < 1) {
            throw config_error(where + ": " + key + " must be at least 1 in every axis, found " + tuple_text(values));
        }
    }
}

template std::string tuple_text<1>(const std::array<std::int64_t, 1>&);
template std::string tuple_text<2>(const std::array<std::int64_t, 2>&);
template void check_positive<1>(const std::array<std::int64_t, 1>&, const std::string&, const std::string&);
template void check_positive<2>(const std::array<std::int64_t, 2>&, const std::string&, const std::string&);

window_axis slide(std::int64_t input, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                  padding_kind padding, const std::string& what, const std::string& where)
{
    // The arithmetic is the backends' (backend/window_geometry.hpp), so a
    // layer sizes its output exactly as the kernels check it.
    window_axis a;
    a.input = input;
    a.window = window;
    a.stride = stride;
    a.dilation = dilation;
    const std::int64_t span = window_geometry::extent(window, dilation);
    if (padding == padding_kind::valid) {
        if (span > input) {
            throw model_error(where + ": " + what + " spans " + std::to_string(span) + " cells but the input has " +
                              std::to_string(input) + " along that axis; use a smaller window or padding: same");
        }
        a.output = window_geometry::output_length(input, window, stride, dilation, {});
        return a;
    }
    const window_geometry::padding pad = window_geometry::same_padding(input, window, stride, dilation);
    a.pad_before = pad.before;
    a.pad_after = pad.after;
    a.output = window_geometry::output_length(input, window, stride, dilation, pad);
    return a;
}

window_axis slide_transposed(std::int64_t input, std::int64_t window, std::int64_t stride, std::int64_t dilation,
                             padding_kind padding)
{
    const std::int64_t span = window_geometry::extent(window, dilation);
    window_axis a;
    // The convolution's input (this layer's output) and its output (this layer's input).
    // Keras: valid gives input * stride + max(span - stride, 0); cells no window reaches stay zero.
    a.input = padding == padding_kind::valid ? input * stride + std::max<std::int64_t>(span - stride, 0)
                                             : input * stride;
    a.window = window;
    a.stride = stride;
    a.dilation = dilation;
    a.output = input;
    if (padding == padding_kind::same) {
        const std::int64_t total = std::max<std::int64_t>((input - 1) * stride + span - a.input, 0);
        a.pad_before = total / 2;
        a.pad_after = total - a.pad_before;
    }
    return a;
}

}  // namespace mlrun
