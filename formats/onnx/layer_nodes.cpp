#include "layer_nodes.hpp"

#include "onnx_error.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace mlrun::onnx_format {
namespace {

void set_int(onnx::NodeProto& node, const std::string& name, std::int64_t value)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

void set_float(onnx::NodeProto& node, const std::string& name, float value)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
}

template <class T>
T setting(const graph_context& graph, const layer_entry& layer, const std::string& key, const T& fallback)
{
    const YAML::Node value = layer.config[key];
    if (!value) return fallback;
    try {
        return value.as<T>();
    } catch (const YAML::Exception&) {
        throw format_error(graph.where(layer) + ": setting '" + key + "' is unreadable: " + YAML::Dump(value));
    }
}

const std::string& only_input(const graph_context& graph, const layer_entry& layer)
{
    if (layer.inputs.size() != 1) {
        throw format_error(graph.where(layer) + ": expected one input, found " + std::to_string(layer.inputs.size()));
    }
    return layer.inputs[0];
}

// The activation `name` from `input` to `output`; the softmax is over the
// last axis, as mlrun's is.
void activation_node(graph_context& graph, const layer_entry& layer, const std::string& name,
                     const std::string& input, const std::string& output)
{
    static const std::map<std::string, std::string> ops = {
        {"linear", "Identity"}, {"relu", "Relu"}, {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"softmax", "Softmax"}};
    const auto it = ops.find(name);
    if (it == ops.end()) {
        std::string known;
        for (const auto& [n, op] : ops) known += (known.empty() ? "" : ", ") + n;
        throw format_error(graph.where(layer) + ": activation '" + name + "' has no ONNX mapping; exportable: " + known);
    }
    onnx::NodeProto& node = graph.node(it->second, layer, {input}, output);
    if (name == "softmax") set_int(node, "axis", -1);
}

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

// Identity at inference, as Keras's and mlrun's Dropout is.
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

// Inference: gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta
// over the last axis. ONNX's BatchNormalization normalises axis 1, which is
// the last one for flat samples; deeper samples get the formula as nodes.
void batch_normalization(graph_context& graph, const layer_entry& layer)
{
    const std::string& x = only_input(graph, layer);
    const sample_shape& in = graph.shape_of(x);
    const int axis = setting<int>(graph, layer, "axis", -1);
    if (in.empty() || (axis != -1 && axis != static_cast<int>(in.size()))) {
        throw format_error(graph.where(layer) + ": expected the last axis (-1), found axis " + std::to_string(axis) +
                           " for samples of shape " + shape_text(in));
    }
    const std::int64_t features = in.back();
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

using layer_export = std::function<void(graph_context&, const layer_entry&)>;

const std::map<std::string, layer_export>& exporters()
{
    static const std::map<std::string, layer_export> table = {
        {"Activation", activation}, {"Add", add},         {"BatchNormalization", batch_normalization},
        {"Concatenate", concatenate}, {"Dense", dense}, {"Dropout", dropout}, {"Flatten", flatten},
    };
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
