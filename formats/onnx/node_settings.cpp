#include "node_settings.hpp"

namespace mlrun::onnx_format {

void set_int(onnx::NodeProto& node, const std::string& name, std::int64_t value)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}

void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const std::int64_t v : values) a->add_ints(v);
}

void set_float(onnx::NodeProto& node, const std::string& name, float value)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
}

void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value)
{
    onnx::AttributeProto* a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(value);
}

namespace {

std::int64_t integer(const graph_context& graph, const layer_entry& layer, const std::string& key, const YAML::Node& v)
{
    try {
        if (v.IsScalar()) return v.as<std::int64_t>();
    } catch (const YAML::Exception&) {
    }
    throw format_error(graph.where(layer) + ": setting '" + key + "': expected integers, found " + YAML::Dump(v));
}

}  // namespace

std::vector<std::int64_t> tuple_setting(const graph_context& graph, const layer_entry& layer, const std::string& key,
                                        std::size_t rank, std::int64_t fallback)
{
    const YAML::Node value = layer.config[key];
    if (!value || value.IsNull()) return std::vector<std::int64_t>(rank, fallback);
    if (value.IsScalar()) return std::vector<std::int64_t>(rank, integer(graph, layer, key, value));
    if (!value.IsSequence() || value.size() != rank) {
        throw format_error(graph.where(layer) + ": setting '" + key + "': expected " + std::to_string(rank) +
                           " integers, found " + YAML::Dump(value));
    }
    std::vector<std::int64_t> values;
    for (const auto& v : value) values.push_back(integer(graph, layer, key, v));
    return values;
}

std::vector<std::int64_t> border_setting(const graph_context& graph, const layer_entry& layer, const std::string& key,
                                         std::int64_t fallback)
{
    const YAML::Node value = layer.config[key];
    if (!value || value.IsNull()) return {fallback, fallback, fallback, fallback};
    if (value.IsScalar()) {
        const std::int64_t v = integer(graph, layer, key, value);
        return {v, v, v, v};
    }
    if (value.IsSequence() && value.size() == 2) {
        if (value[0].IsScalar() && value[1].IsScalar()) {
            const std::int64_t rows = integer(graph, layer, key, value[0]);
            const std::int64_t cols = integer(graph, layer, key, value[1]);
            return {rows, rows, cols, cols};
        }
        if (value[0].IsSequence() && value[1].IsSequence() && value[0].size() == 2 && value[1].size() == 2) {
            return {integer(graph, layer, key, value[0][0]), integer(graph, layer, key, value[0][1]),
                    integer(graph, layer, key, value[1][0]), integer(graph, layer, key, value[1][1])};
        }
    }
    throw format_error(graph.where(layer) + ": setting '" + key +
                       "': expected an integer, [rows, cols] or [[top, bottom], [left, right]], found " + YAML::Dump(value));
}

void check_channels_last(const graph_context& graph, const layer_entry& layer)
{
    const std::string format = setting<std::string>(graph, layer, "data_format", "channels_last");
    if (format != "channels_last") {
        throw format_error(graph.where(layer) + ": expected data_format channels_last, found " + format);
    }
}

const std::string& only_input(const graph_context& graph, const layer_entry& layer)
{
    if (layer.inputs.size() != 1) {
        throw format_error(graph.where(layer) + ": expected one input, found " + std::to_string(layer.inputs.size()));
    }
    return layer.inputs[0];
}

const sample_shape& input_of_rank(const graph_context& graph, const layer_entry& layer, std::size_t rank,
                                  const std::string& expected)
{
    const sample_shape& in = graph.shape_of(only_input(graph, layer));
    if (in.size() != rank) {
        throw format_error(graph.where(layer) + ": expected samples " + expected + ", found " + shape_text(in));
    }
    return in;
}

}  // namespace mlrun::onnx_format
