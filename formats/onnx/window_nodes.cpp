#include "window_nodes.hpp"

#include "activation_nodes.hpp"

#include <algorithm>

namespace mlrun::onnx_format {
namespace {

using ints = std::vector<std::int64_t>;

// [rows, cols, channels] or [steps, channels] to [channels, rows, cols] or
// [channels, steps] (after the batch axis), and back.
ints channels_first_order(std::size_t rank) { return rank == 1 ? ints{0, 2, 1} : ints{0, 3, 1, 2}; }
ints channels_last_order(std::size_t rank) { return rank == 1 ? ints{0, 2, 1} : ints{0, 2, 3, 1}; }

std::string transpose(graph_context& graph, const layer_entry& layer, const std::string& x, const ints& order,
                      const std::string& output = "")
{
    const std::string out = output.empty() ? graph.fresh(layer, "Transpose") : output;
    set_ints(graph.node("Transpose", layer, {x}, out), "perm", order);
    return out;
}

// An HWIO (or WIO) kernel as ONNX's OIHW (OIW).
std::string kernel_oihw(graph_context& graph, const layer_entry& layer, const std::string& kernel, std::size_t rank)
{
    return transpose(graph, layer, kernel, rank == 1 ? ints{2, 1, 0} : ints{3, 2, 0, 1});
}

// How one spatial axis is covered, with TensorFlow's arithmetic for Keras's
// padding modes (mlrun's window_geometry.hpp): same pads to ceil(input /
// stride) outputs, the odd cell of padding after.
struct axis_cover {
    std::int64_t output = 0;
    std::int64_t pad_before = 0;
    std::int64_t pad_after = 0;
};

struct window_settings {
    ints window;  // kernel or pool size per spatial axis
    ints strides;
    ints dilations;
    bool same = false;
};

bool same_padding(const graph_context& graph, const layer_entry& layer)
{
    const std::string padding = setting<std::string>(graph, layer, "padding", "valid");
    if (padding != "valid" && padding != "same") {
        throw format_error(graph.where(layer) + ": expected padding valid or same, found " + padding);
    }
    return padding == "same";
}

void check_positive(const graph_context& graph, const layer_entry& layer, const std::string& key, const ints& values)
{
    for (const std::int64_t v : values) {
        if (v < 1) throw format_error(graph.where(layer) + ": expected " + key + " >= 1, found " + std::to_string(v));
    }
}

window_settings kernel_settings(const graph_context& graph, const layer_entry& layer, std::size_t rank)
{
    window_settings w;
    w.window = tuple_setting(graph, layer, "kernel_size", rank, 0);
    w.strides = tuple_setting(graph, layer, "strides", rank, 1);
    w.dilations = tuple_setting(graph, layer, "dilation_rate", rank, 1);
    w.same = same_padding(graph, layer);
    check_positive(graph, layer, "kernel_size", w.window);
    check_positive(graph, layer, "strides", w.strides);
    check_positive(graph, layer, "dilation_rate", w.dilations);
    return w;
}

// The spatial sizes of `in` ([.., channels]) covered by `w`; pads in ONNX's
// order (every axis's start, then every axis's end).
struct spatial_cover {
    ints sizes;
    ints pads;
};

spatial_cover cover(const graph_context& graph, const layer_entry& layer, const sample_shape& in,
                    const window_settings& w)
{
    spatial_cover c;
    ints after;
    for (std::size_t a = 0; a < w.window.size(); ++a) {
        const std::int64_t span = (w.window[a] - 1) * w.dilations[a] + 1;
        axis_cover axis;
        if (!w.same) {
            if (span > in[a]) {
                throw format_error(graph.where(layer) + ": the window spans " + std::to_string(span) +
                                   " cells but the input has " + std::to_string(in[a]) + " along axis " +
                                   std::to_string(a + 1));
            }
            axis.output = (in[a] - span) / w.strides[a] + 1;
        } else {
            axis.output = (in[a] + w.strides[a] - 1) / w.strides[a];
            const std::int64_t total = std::max<std::int64_t>((axis.output - 1) * w.strides[a] + span - in[a], 0);
            axis.pad_before = total / 2;
            axis.pad_after = total - axis.pad_before;
        }
        c.sizes.push_back(axis.output);
        c.pads.push_back(axis.pad_before);
        after.push_back(axis.pad_after);
    }
    c.pads.insert(c.pads.end(), after.begin(), after.end());
    return c;
}

void set_window(onnx::NodeProto& node, const window_settings& w, const ints& pads, bool dilated)
{
    set_ints(node, "kernel_shape", w.window);
    set_ints(node, "strides", w.strides);
    if (dilated) set_ints(node, "dilations", w.dilations);
    set_ints(node, "pads", pads);
}

// The channels_first result `z` back to channels_last, then the layer's
// activation, into the layer's output of shape `out`.
void finish(graph_context& graph, const layer_entry& layer, const std::string& z, std::size_t rank,
            const sample_shape& out)
{
    const std::string activation = setting<std::string>(graph, layer, "activation", "linear");
    if (activation == "linear") {
        transpose(graph, layer, z, channels_last_order(rank), layer.name);
    } else {
        activation_node(graph, layer, activation, transpose(graph, layer, z, channels_last_order(rank)), layer.name);
    }
    graph.set_shape(layer.name, out);
}

std::string samples_of(std::size_t rank) { return rank == 1 ? "(steps, channels)" : "(rows, cols, channels)"; }

// The inputs of a convolution node, with the bias [channels] unless use_bias is false.
std::vector<std::string> with_bias(graph_context& graph, std::vector<std::string> inputs, const layer_entry& layer,
                                   std::int64_t channels)
{
    if (setting<bool>(graph, layer, "use_bias", true)) inputs.push_back(graph.weight(layer, "bias", {channels}));
    return inputs;
}

std::int64_t positive_setting(const graph_context& graph, const layer_entry& layer, const std::string& key,
                              std::int64_t fallback)
{
    const auto v = setting<std::int64_t>(graph, layer, key, fallback);
    if (v < 1) throw format_error(graph.where(layer) + ": expected " + key + " >= 1, found " + std::to_string(v));
    return v;
}

// Conv1D, Conv2D: kernel [(kh,) kw, channels / groups, filters].
void convolution(graph_context& graph, const layer_entry& layer, std::size_t rank)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, rank + 1, samples_of(rank));
    const std::int64_t channels = in.back();
    const std::int64_t filters = positive_setting(graph, layer, "filters", 0);
    const std::int64_t groups = positive_setting(graph, layer, "groups", 1);
    if (channels % groups != 0 || filters % groups != 0) {
        throw format_error(graph.where(layer) + ": expected channels (" + std::to_string(channels) + ") and filters (" +
                           std::to_string(filters) + ") that are multiples of groups (" + std::to_string(groups) + ")");
    }
    const window_settings w = kernel_settings(graph, layer, rank);
    const spatial_cover c = cover(graph, layer, in, w);
    ints kernel_dims = w.window;
    kernel_dims.push_back(channels / groups);
    kernel_dims.push_back(filters);
    const std::string kernel = kernel_oihw(graph, layer, graph.weight(layer, "kernel", kernel_dims), rank);
    const std::string x = transpose(graph, layer, only_input(graph, layer), channels_first_order(rank));
    const std::string z = graph.fresh(layer, "Conv");
    onnx::NodeProto& conv = graph.node("Conv", layer, with_bias(graph, {x, kernel}, layer, filters), z);
    set_window(conv, w, c.pads, true);
    set_int(conv, "group", groups);
    sample_shape out = c.sizes;
    out.push_back(filters);
    finish(graph, layer, z, rank, out);
}

// The depthwise kernel [kh, kw, channels, multiplier] as the grouped OIHW
// kernel [channels * multiplier, 1, kh, kw]: output channel c * multiplier + m
// is channel c's m-th filter, in mlrun's order and ONNX's.
std::string depthwise_kernel(graph_context& graph, const layer_entry& layer, const window_settings& w,
                             std::int64_t channels, std::int64_t multiplier)
{
    const std::string kernel =
        graph.weight(layer, "depthwise_kernel", {w.window[0], w.window[1], channels, multiplier});
    const std::string dims = graph.int64_constant(graph.fresh(layer, "grouped_kernel_shape"), {4},
                                                  {w.window[0], w.window[1], 1, channels * multiplier});
    const std::string grouped = graph.fresh(layer, "Reshape");
    graph.node("Reshape", layer, {kernel, dims}, grouped);
    return kernel_oihw(graph, layer, grouped, 2);
}

void depthwise_conv2d(graph_context& graph, const layer_entry& layer)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, 3, samples_of(2));
    const std::int64_t channels = in.back();
    const std::int64_t multiplier = positive_setting(graph, layer, "depth_multiplier", 1);
    const window_settings w = kernel_settings(graph, layer, 2);
    const spatial_cover c = cover(graph, layer, in, w);
    const std::string kernel = depthwise_kernel(graph, layer, w, channels, multiplier);
    const std::string x = transpose(graph, layer, only_input(graph, layer), channels_first_order(2));
    const std::string z = graph.fresh(layer, "Conv");
    onnx::NodeProto& conv = graph.node("Conv", layer, with_bias(graph, {x, kernel}, layer, channels * multiplier), z);
    set_window(conv, w, c.pads, true);
    set_int(conv, "group", channels);
    finish(graph, layer, z, 2, {c.sizes[0], c.sizes[1], channels * multiplier});
}

// The depthwise convolution (strides, dilation and padding are its), then a
// 1x1 convolution with the bias.
void separable_conv2d(graph_context& graph, const layer_entry& layer)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, 3, samples_of(2));
    const std::int64_t channels = in.back();
    const std::int64_t multiplier = positive_setting(graph, layer, "depth_multiplier", 1);
    const std::int64_t filters = positive_setting(graph, layer, "filters", 0);
    const window_settings w = kernel_settings(graph, layer, 2);
    const spatial_cover c = cover(graph, layer, in, w);
    const std::string depthwise = depthwise_kernel(graph, layer, w, channels, multiplier);
    const std::string pointwise = kernel_oihw(
        graph, layer, graph.weight(layer, "pointwise_kernel", {1, 1, channels * multiplier, filters}), 2);
    const std::string x = transpose(graph, layer, only_input(graph, layer), channels_first_order(2));
    const std::string spread = graph.fresh(layer, "Conv");
    onnx::NodeProto& first = graph.node("Conv", layer, {x, depthwise}, spread);
    set_window(first, w, c.pads, true);
    set_int(first, "group", channels);
    const std::string z = graph.fresh(layer, "Conv");
    set_ints(graph.node("Conv", layer, with_bias(graph, {spread, pointwise}, layer, filters), z), "kernel_shape", {1, 1});
    finish(graph, layer, z, 2, {c.sizes[0], c.sizes[1], filters});
}

// Keras's output size (valid: input * stride + max(span - stride, 0), same:
// input * stride) from ONNX's (input - 1) * stride + span - pads +
// output_padding: the begin pad is the one the forward convolution of that
// output would have, the end pad crops the rest, and where the full span is
// shorter than Keras's size output_padding adds the cells no window reaches.
void conv2d_transpose(graph_context& graph, const layer_entry& layer)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, 3, samples_of(2));
    const std::int64_t channels = in.back();
    const std::int64_t filters = positive_setting(graph, layer, "filters", 0);
    const window_settings w = kernel_settings(graph, layer, 2);
    ints sizes, begin, end, output_padding;
    for (std::size_t a = 0; a < 2; ++a) {
        const std::int64_t s = w.strides[a];
        const std::int64_t span = (w.window[a] - 1) * w.dilations[a] + 1;
        const std::int64_t out = w.same ? in[a] * s : in[a] * s + std::max<std::int64_t>(span - s, 0);
        const std::int64_t full = (in[a] - 1) * s + span;
        const std::int64_t before = w.same ? std::max<std::int64_t>(full - out, 0) / 2 : 0;
        const std::int64_t crop = full - before - out;
        sizes.push_back(out);
        begin.push_back(before);
        end.push_back(std::max<std::int64_t>(crop, 0));
        output_padding.push_back(std::max<std::int64_t>(-crop, 0));
    }
    begin.insert(begin.end(), end.begin(), end.end());
    const std::string kernel =
        kernel_oihw(graph, layer, graph.weight(layer, "kernel", {w.window[0], w.window[1], filters, channels}), 2);
    const std::string x = transpose(graph, layer, only_input(graph, layer), channels_first_order(2));
    const std::string z = graph.fresh(layer, "ConvTranspose");
    onnx::NodeProto& conv = graph.node("ConvTranspose", layer, with_bias(graph, {x, kernel}, layer, filters), z);
    set_window(conv, w, begin, true);
    set_ints(conv, "output_padding", output_padding);
    finish(graph, layer, z, 2, {sizes[0], sizes[1], filters});
}

// MaxPool, or AveragePool without the padded cells (count_include_pad 0), as
// Keras averages only the cells inside the input.
void pooling(graph_context& graph, const layer_entry& layer, std::size_t rank, bool average)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, rank + 1, samples_of(rank));
    window_settings w;
    w.window = tuple_setting(graph, layer, "pool_size", rank, 2);
    check_positive(graph, layer, "pool_size", w.window);
    const YAML::Node strides = layer.config["strides"];
    w.strides = !strides || strides.IsNull() ? w.window : tuple_setting(graph, layer, "strides", rank, 1);
    check_positive(graph, layer, "strides", w.strides);
    w.dilations = ints(rank, 1);
    w.same = same_padding(graph, layer);
    const spatial_cover c = cover(graph, layer, in, w);
    const std::string x = transpose(graph, layer, only_input(graph, layer), channels_first_order(rank));
    const std::string z = graph.fresh(layer, average ? "AveragePool" : "MaxPool");
    onnx::NodeProto& pool = graph.node(average ? "AveragePool" : "MaxPool", layer, {x}, z);
    set_window(pool, w, c.pads, false);
    if (average) set_int(pool, "count_include_pad", 0);
    sample_shape out = c.sizes;
    out.push_back(in.back());
    transpose(graph, layer, z, channels_last_order(rank), layer.name);
    graph.set_shape(layer.name, out);
}

// ReduceMean or ReduceMax over the spatial axes of the channels_last value
// (no transposes needed); keepdims keeps them with size 1.
void global_pooling(graph_context& graph, const layer_entry& layer, std::size_t rank, bool average)
{
    check_channels_last(graph, layer);
    const sample_shape& in = input_of_rank(graph, layer, rank + 1, samples_of(rank));
    const bool keep = setting<bool>(graph, layer, "keepdims", false);
    onnx::NodeProto& reduce = graph.node(average ? "ReduceMean" : "ReduceMax", layer, {only_input(graph, layer)}, layer.name);
    set_ints(reduce, "axes", rank == 1 ? ints{1} : ints{1, 2});
    set_int(reduce, "keepdims", keep ? 1 : 0);
    sample_shape out = keep ? sample_shape(rank, 1) : sample_shape{};
    out.push_back(in.back());
    graph.set_shape(layer.name, out);
}

}  // namespace

exporter_table window_exporters()
{
    return {
        {"Conv1D", [](graph_context& g, const layer_entry& l) { convolution(g, l, 1); }},
        {"Conv2D", [](graph_context& g, const layer_entry& l) { convolution(g, l, 2); }},
        {"DepthwiseConv2D", depthwise_conv2d},
        {"SeparableConv2D", separable_conv2d},
        {"Conv2DTranspose", conv2d_transpose},
        {"MaxPooling1D", [](graph_context& g, const layer_entry& l) { pooling(g, l, 1, false); }},
        {"MaxPooling2D", [](graph_context& g, const layer_entry& l) { pooling(g, l, 2, false); }},
        {"AveragePooling1D", [](graph_context& g, const layer_entry& l) { pooling(g, l, 1, true); }},
        {"AveragePooling2D", [](graph_context& g, const layer_entry& l) { pooling(g, l, 2, true); }},
        {"GlobalMaxPooling1D", [](graph_context& g, const layer_entry& l) { global_pooling(g, l, 1, false); }},
        {"GlobalMaxPooling2D", [](graph_context& g, const layer_entry& l) { global_pooling(g, l, 2, false); }},
        {"GlobalAveragePooling1D", [](graph_context& g, const layer_entry& l) { global_pooling(g, l, 1, true); }},
        {"GlobalAveragePooling2D", [](graph_context& g, const layer_entry& l) { global_pooling(g, l, 2, true); }},
    };
}

}  // namespace mlrun::onnx_format
