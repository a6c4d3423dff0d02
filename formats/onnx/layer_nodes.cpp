#include "layer_nodes.hpp"

#include "activation_nodes.hpp"
#include "node_settings.hpp"
#include "shaping_nodes.hpp"
#include "window_nodes.hpp"

#include <algorithm>

namespace mlrun::onnx_format {
namespace {

// y = activation(x W + b), W [in, units] as the checkpoint holds it.
void dense(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    if (in.size() != 1) {
        throw format_error(graph.where(layer) + ": expected flat inputs, found " + shape_text(in));
    }
    const auto units = setting<std::int64_t>(graph, layer, "units", 0);
    if (units < 1) throw format_error(graph.where(layer) + ": expected units >= 1, found " + std::to_string(units));
    const std::string activation = setting<std::string>(graph, layer, "activation", "linear");
    std::vector<std::string> inputs = {x, graph.weight(layer, "kernel", {in[0], units})};
    if (setting<bool>(graph, layer, "use_bias", true)) inputs.push_back(graph.weight(layer, "bias", {units}));
    const std::string z = activation == "linear" ? layer.name : layer.name + "/Gemm";
    graph.node("Gemm", layer, inputs, z);
    if (activation != "linear") activation_node(graph, layer, activation, z, layer.name);
    graph.set_shape(layer.name, {units});
}

void activation(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    activation_node(graph, layer, setting<std::string>(graph, layer, "activation", ""), x, layer.name);
    graph.set_shape(layer.name, graph.shape_of(x));
}

// Identity at inference, as Keras's and mlrun's Dropout and SpatialDropout2D are.
void dropout(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    graph.node("Identity", layer, {x}, layer.name);
    graph.set_shape(layer.name, graph.shape_of(x));
}

void flatten(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    std::int64_t size = 1;
    for (const std::int64_t d : graph.shape_of(x)) size *= d;
    set_int(graph.node("Flatten", layer, {x}, layer.name), "axis", 1);
    graph.set_shape(layer.name, {size});
}

void add(graph_context& graph, const layer_entry& layer)
{
    const sample_shape& first = graph.shape_of(layer.inputs.at(0));
    for (const std::string& in : layer.inputs) {
        if (graph.shape_of(in) != first) {
            throw format_error(graph.where(layer) + ": expected inputs of one shape, found " + shape_text(first) +
                               " and " + shape_text(graph.shape_of(in)) + " ('" + in + "')");
        }
    }
    // Add takes two inputs; Sum any number.
    graph.node(layer.inputs.size() == 2 ? "Add" : "Sum", layer, layer.inputs, layer.name);
    graph.set_shape(layer.name, first);
}

void concatenate(graph_context& graph, const layer_entry& layer)
{
    if (setting<int>(graph, layer, "axis", -1) != -1) {
        throw format_error(graph.where(layer) + ": expected axis -1, found " + YAML::Dump(layer.config["axis"]));
    }
    sample_shape out = graph.shape_of(layer.inputs.at(0));
    if (out.empty()) throw format_error(graph.where(layer) + ": cannot join scalars");
    out.back() = 0;
    for (const std::string& in : layer.inputs) {
        const sample_shape& s = graph.shape_of(in);
        if (s.size() != out.size() || !std::equal(s.begin(), s.end() - 1, out.begin())) {
            throw format_error(graph.where(layer) + ": expected inputs that differ only in the last axis, found " +
                               shape_text(graph.shape_of(layer.inputs[0])) + " and " + shape_text(s));
        }
        out.back() += s.back();
    }
    set_int(graph.node("Concat", layer, layer.inputs, layer.name), "axis", -1);
    graph.set_shape(layer.name, out);
}

// The size of the last axis, which a normalization must run over (its
// `axis` setting -1 or the last one's number); anything else is refused.
std::int64_t last_axis_features(const graph_context& graph, const layer_entry& layer, const sample_shape& in)
{
    const int axis = setting<int>(graph, layer, "axis", -1);
    if (in.empty() || (axis != -1 && axis != static_cast<int>(in.size()))) {
        throw format_error(graph.where(layer) + ": expected the last axis (-1), found axis " + std::to_string(axis) +
                           " for samples of shape " + shape_text(in));
    }
    return in.back();
}

// Inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta
// over the last axis. ONNX's BatchNormalization normalises axis 1, which is
// the last one for flat samples; deeper samples get the formula as nodes.
void batch_normalization(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    const std::int64_t features = last_axis_features(graph, layer, in);
    const auto epsilon = setting<float>(graph, layer, "epsilon", 0.001f);
    const bool scale = setting<bool>(graph, layer, "scale", true);
    const bool center = setting<bool>(graph, layer, "center", true);
    const std::string gamma = scale ? graph.weight(layer, "gamma", {features}) : "";
    const std::string beta = center ? graph.weight(layer, "beta", {features}) : "";
    const std::string mean = graph.weight(layer, "moving_mean", {features});
    const std::string variance = graph.weight(layer, "moving_variance", {features});
    graph.set_shape(layer.name, in);
    if (in.size() == 1) {
        const std::vector<float> ones(static_cast<std::size_t>(features), 1.0f);
        const std::vector<float> zeros(static_cast<std::size_t>(features), 0.0f);
        const std::string g = scale ? gamma : graph.constant(layer.name + "/unit_scale", {features}, ones);
        const std::string b = center ? beta : graph.constant(layer.name + "/zero_offset", {features}, zeros);
        set_float(graph.node("BatchNormalization", layer, {x, g, b, mean, variance}, layer.name), "epsilon", epsilon);
        return;
    }
    const std::string eps = graph.constant(layer.name + "/epsilon", {}, {epsilon});
    const std::string p = layer.name + "/";
    graph.node("Sub", layer, {x, mean}, p + "Sub");
    graph.node("Add", layer, {variance, eps}, p + "Add");
    graph.node("Sqrt", layer, {p + "Add"}, p + "Sqrt");
    const std::string normalized = scale || center ? p + "Div" : layer.name;
    graph.node("Div", layer, {p + "Sub", p + "Sqrt"}, normalized);
    const std::string scaled = !scale ? normalized : center ? p + "Mul" : layer.name;
    if (scale) graph.node("Mul", layer, {normalized, gamma}, scaled);
    if (center) graph.node("Add", layer, {scaled, beta}, layer.name);
}

// LayerNormalization(x, gamma, beta) over the last axis (opset 17's op);
// scale: false gets constant unit scales, center: false no offset input.
void layer_normalization(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    const std::int64_t features = last_axis_features(graph, layer, in);
    const std::string gamma =
        setting<bool>(graph, layer, "scale", true)
            ? graph.weight(layer, "gamma", {features})
            : graph.constant(layer.name + "/unit_scale", {features}, std::vector<float>(std::size_t(features), 1.0f));
    std::vector<std::string> inputs = {x, gamma};
    if (setting<bool>(graph, layer, "center", true)) inputs.push_back(graph.weight(layer, "beta", {features}));
    onnx::NodeProto& norm = graph.node("LayerNormalization", layer, inputs, layer.name);
    set_int(norm, "axis", -1);
    set_float(norm, "epsilon", setting<float>(graph, layer, "epsilon", 0.001f));
    graph.set_shape(layer.name, in);
}

void elu_layer(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    set_float(graph.node("Elu", layer, {x}, layer.name), "alpha", setting<float>(graph, layer, "alpha", 1.0f));
    graph.set_shape(layer.name, graph.shape_of(x));
}

// Keras's ReLU: max_value from max_value up, x from threshold up,
// negative_slope * (x - threshold) below. The common cases are one op
// (Relu, Clip, LeakyRelu); the rest is that rule in Where nodes.
void relu_layer(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    graph.set_shape(layer.name, graph.shape_of(x));
    const YAML::Node ceiling = layer.config["max_value"];
    const bool capped = ceiling && !ceiling.IsNull();
    const auto max_value = setting<float>(graph, layer, "max_value", 0.0f);
    const auto slope = setting<float>(graph, layer, "negative_slope", 0.0f);
    const auto threshold = setting<float>(graph, layer, "threshold", 0.0f);
    auto scalar = [&](const std::string& what, float v) { return graph.constant(graph.fresh(layer, what), {}, {v}); };
    if (threshold == 0.0f && slope == 0.0f) {
        if (!capped) {
            graph.node("Relu", layer, {x}, layer.name);
        } else {
            graph.node("Clip", layer, {x, scalar("zero", 0.0f), scalar("max_value", max_value)}, layer.name);
        }
        return;
    }
    if (threshold == 0.0f && !capped) {
        set_float(graph.node("LeakyRelu", layer, {x}, layer.name), "alpha", slope);
        return;
    }
    const std::string t = scalar("threshold", threshold);
    const std::string shifted = graph.fresh(layer, "Sub");
    graph.node("Sub", layer, {x, t}, shifted);
    const std::string below = graph.fresh(layer, "Mul");
    graph.node("Mul", layer, {shifted, scalar("negative_slope", slope)}, below);
    const std::string above = graph.fresh(layer, "GreaterOrEqual");
    graph.node("GreaterOrEqual", layer, {x, t}, above);
    const std::string uncapped = capped ? graph.fresh(layer, "Where") : layer.name;
    graph.node("Where", layer, {above, x, below}, uncapped);
    if (!capped) return;
    const std::string m = scalar("max_value", max_value);
    const std::string at_ceiling = graph.fresh(layer, "GreaterOrEqual");
    graph.node("GreaterOrEqual", layer, {x, m}, at_ceiling);
    graph.node("Where", layer, {at_ceiling, m, uncapped}, layer.name);
}

// PRelu(x, alpha): alpha has the sample's shape with 1 on the shared axes,
// which broadcasts over the batch as ONNX's slope does.
void prelu_layer(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    sample_shape alpha = in;
    for (const std::int64_t axis : setting<std::vector<std::int64_t>>(graph, layer, "shared_axes", {})) {
        if (axis < 1 || axis > static_cast<std::int64_t>(in.size())) {
            throw format_error(graph.where(layer) + ": shared_axes has axis " + std::to_string(axis) +
                               "; expected 1.." + std::to_string(in.size()) + " for samples of shape " + shape_text(in));
        }
        alpha[static_cast<std::size_t>(axis - 1)] = 1;
    }
    graph.node("PRelu", layer, {x, graph.weight(layer, "alpha", alpha)}, layer.name);
    graph.set_shape(layer.name, in);
}

const exporter_table& exporters()
{
    static const exporter_table table = [] {
        exporter_table t = {
            {"Activation", activation},
            {"Add", add},
            {"BatchNormalization", batch_normalization},
            {"Concatenate", concatenate},
            {"Dense", dense},
            {"Dropout", dropout},
            {"ELU", elu_layer},
            {"Flatten", flatten},
            {"LayerNormalization", layer_normalization},
            {"PReLU", prelu_layer},
            {"ReLU", relu_layer},
            {"SpatialDropout2D", dropout},
        };
        t.merge(window_exporters());
        t.merge(shaping_exporters());
        return t;
    }();
    return table;
}

}  // namespace

std::string exportable_classes()
{
    std::string names = "Input";
    for (const auto& [name, fn] : exporters()) names += ", " + name;
    return names;
}

void add_layer_nodes(graph_context& graph, const layer_entry& layer)
{
    const auto it = exporters().find(layer.class_name);
    if (it == exporters().end()) {
        throw format_error(graph.where(layer) + ": no ONNX mapping for the class " + layer.class_name +
                           "; exportable: " + exportable_classes());
    }
    it->second(graph, layer);
}

}  // namespace mlrun::onnx_format
