#include "shaping_nodes.hpp"

#include <algorithm>
#include <numeric>

namespace mlrun::onnx_format {
namespace {

using ints = std::vector<std::int64_t>;

std::int64_t cells(const sample_shape& shape)
{
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
}

// The target shape with its -1 resolved, then Reshape to [batch, target...]
// (0 in ONNX's shape copies the batch axis).
void reshape(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    ints target = setting<ints>(graph, layer, "target_shape", {});
    const auto unknown = std::count(target.begin(), target.end(), -1);
    std::int64_t known = 1;
    for (const std::int64_t d : target) {
        if (d == 0 || d < -1) {
            throw format_error(graph.where(layer) + ": expected target_shape sizes >= 1 or one -1, found " +
                               shape_text(target));
        }
        if (d != -1) known *= d;
    }
    if (target.empty() || unknown > 1 || (unknown == 1 && cells(in) % known != 0)) {
        throw format_error(graph.where(layer) + ": cannot reshape " + shape_text(in) + " to " + shape_text(target));
    }
    for (std::int64_t& d : target) {
        if (d == -1) d = cells(in) / known;
    }
    if (cells(target) != cells(in)) {
        throw format_error(graph.where(layer) + ": cannot reshape " + shape_text(in) + " (" + std::to_string(cells(in)) +
                           " cells) to " + shape_text(target));
    }
    ints dims = {0};
    dims.insert(dims.end(), target.begin(), target.end());
    const std::string shape = graph.int64_constant(graph.fresh(layer, "shape"), {static_cast<std::int64_t>(dims.size())}, dims);
    graph.node("Reshape", layer, {x, shape}, layer.name);
    graph.set_shape(layer.name, target);
}

// dims counts the sample axes from 1, as Keras does (0 is the batch).
void permute(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    const ints dims = setting<ints>(graph, layer, "dims", {});
    ints sorted = dims;
    std::sort(sorted.begin(), sorted.end());
    ints expected(in.size());
    std::iota(expected.begin(), expected.end(), 1);
    if (sorted != expected) {
        throw format_error(graph.where(layer) + ": expected dims to order the axes 1.." + std::to_string(in.size()) +
                           " of " + shape_text(in) + ", found " + shape_text(dims));
    }
    ints order = {0};
    sample_shape out;
    for (const std::int64_t d : dims) {
        order.push_back(d);
        out.push_back(in[static_cast<std::size_t>(d - 1)]);
    }
    onnx::NodeProto& t = graph.node("Transpose", layer, {x}, layer.name);
    set_ints(t, "perm", order);
    graph.set_shape(layer.name, out);
}

const sample_shape& image_input(const graph_context& graph, const layer_entry& layer)
{
    check_channels_last(graph, layer);
    return input_of_rank(graph, layer, 3, "(rows, cols, channels)");
}

void check_amounts(const graph_context& graph, const layer_entry& layer, const std::string& key, const ints& amounts)
{
    for (const std::int64_t a : amounts) {
        if (a < 0) throw format_error(graph.where(layer) + ": expected " + key + " >= 0, found " + std::to_string(a));
    }
}

// Pad with zeros, pads [0, top, left, 0, 0, bottom, right, 0] (batch and channels unpadded).
void zero_padding2d(graph_context& graph, const layer_entry& layer)
{
    const sample_shape& in = image_input(graph, layer);
    const ints b = border_setting(graph, layer, "padding", 1);  // top, bottom, left, right
    check_amounts(graph, layer, "padding", b);
    const std::string pads = graph.int64_constant(graph.fresh(layer, "pads"), {8}, {0, b[0], b[2], 0, 0, b[1], b[3], 0});
    set_string(graph.node("Pad", layer, {only_input(graph, layer), pads}, layer.name), "mode", "constant");
    graph.set_shape(layer.name, {in[0] + b[0] + b[1], in[1] + b[2] + b[3], in[2]});
}

// Slice rows [top, rows - bottom) and columns [left, cols - right).
void cropping2d(graph_context& graph, const layer_entry& layer)
{
    const sample_shape& in = image_input(graph, layer);
    const ints b = border_setting(graph, layer, "cropping", 0);
    check_amounts(graph, layer, "cropping", b);
    const std::int64_t rows = in[0] - b[0] - b[1];
    const std::int64_t cols = in[1] - b[2] - b[3];
    if (rows < 1 || cols < 1) {
        throw format_error(graph.where(layer) + ": cropping " + shape_text(b) + " leaves nothing of " + shape_text(in));
    }
    const std::string starts = graph.int64_constant(graph.fresh(layer, "starts"), {2}, {b[0], b[2]});
    const std::string ends = graph.int64_constant(graph.fresh(layer, "ends"), {2}, {b[0] + rows, b[2] + cols});
    const std::string axes = graph.int64_constant(graph.fresh(layer, "axes"), {2}, {1, 2});
    graph.node("Slice", layer, {only_input(graph, layer), starts, ends, axes}, layer.name);
    graph.set_shape(layer.name, {rows, cols, in[2]});
}

// Resize by [1, rows, cols, 1]. nearest: output cell o reads input o / size,
// rounded down (asymmetric, floor), as repeating each cell does; bilinear:
// half-pixel centres, input (o + 0.5) / size - 0.5 clamped to the image, as
// TensorFlow's image.resize and mlrun do.
void up_sampling2d(graph_context& graph, const layer_entry& layer)
{
    const sample_shape& in = image_input(graph, layer);
    const ints size = tuple_setting(graph, layer, "size", 2, 2);
    for (const std::int64_t s : size) {
        if (s < 1) throw format_error(graph.where(layer) + ": expected size >= 1, found " + std::to_string(s));
    }
    const std::string interpolation = setting<std::string>(graph, layer, "interpolation", "nearest");
    if (interpolation != "nearest" && interpolation != "bilinear") {
        throw format_error(graph.where(layer) + ": expected interpolation nearest or bilinear, found " + interpolation);
    }
    const std::string scales = graph.constant(graph.fresh(layer, "scales"), {4},
                                              {1.0f, static_cast<float>(size[0]), static_cast<float>(size[1]), 1.0f});
    onnx::NodeProto& resize = graph.node("Resize", layer, {only_input(graph, layer), "", scales}, layer.name);
    if (interpolation == "nearest") {
        set_string(resize, "mode", "nearest");
        set_string(resize, "coordinate_transformation_mode", "asymmetric");
        set_string(resize, "nearest_mode", "floor");
    } else {
        set_string(resize, "mode", "linear");
        set_string(resize, "coordinate_transformation_mode", "half_pixel");
    }
    graph.set_shape(layer.name, {in[0] * size[0], in[1] * size[1], in[2]});
}

// The float indices (whole numbers, as mlrun requires) cast to int64, then
// Gather of the table's rows.
void embedding(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    const auto rows = setting<std::int64_t>(graph, layer, "input_dim", 0);
    const auto width = setting<std::int64_t>(graph, layer, "output_dim", 0);
    if (rows < 1 || width < 1) {
        throw format_error(graph.where(layer) + ": expected input_dim and output_dim >= 1, found " +
                           std::to_string(rows) + " and " + std::to_string(width));
    }
    const std::string table = graph.weight(layer, "embeddings", {rows, width});
    const std::string indices = graph.fresh(layer, "Cast");
    set_int(graph.node("Cast", layer, {x}, indices), "to", onnx::TensorProto::INT64);
    set_int(graph.node("Gather", layer, {table, indices}, layer.name), "axis", 0);
    sample_shape out = in;
    out.push_back(width);
    graph.set_shape(layer.name, out);
}

}  // namespace

exporter_table shaping_exporters()
{
    return {
        {"Cropping2D", cropping2d}, {"Embedding", embedding},         {"Permute", permute},
        {"Reshape", reshape},       {"UpSampling2D", up_sampling2d}, {"ZeroPadding2D", zero_padding2d},
    };
}

}  // namespace mlrun::onnx_format
