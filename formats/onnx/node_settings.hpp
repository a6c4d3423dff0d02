// What every layer's export reads and writes: its settings from the
// model_config (Keras's names, checked and named in errors), node
// attributes, and the table type the layer files fill.
#pragma once

#include "graph_context.hpp"
#include "onnx_error.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mlrun::onnx_format {

using layer_export = std::function<void(graph_context&, const layer_entry&)>;
using exporter_table = std::map<std::string, layer_export>;

void set_int(onnx::NodeProto& node, const std::string& name, std::int64_t value);
void set_ints(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values);
void set_float(onnx::NodeProto& node, const std::string& name, float value);
void set_string(onnx::NodeProto& node, const std::string& name, const std::string& value);

// The layer's setting `key` as T, `fallback` when it is absent or null.
template <class T>
T setting(const graph_context& graph, const layer_entry& layer, const std::string& key, const T& fallback)
{
    const YAML::Node value = layer.config[key];
    if (!value || value.IsNull()) return fallback;
    try {
        return value.as<T>();
    } catch (const YAML::Exception&) {
        throw format_error(graph.where(layer) + ": setting '" + key + "' is unreadable: " + YAML::Dump(value));
    }
}

// Keras's int-or-tuple setting (kernel_size: 3 or [3, 3]) as `rank` values.
std::vector<std::int64_t> tuple_setting(const graph_context& graph, const layer_entry& layer, const std::string& key,
                                        std::size_t rank, std::int64_t fallback);

// ZeroPadding2D's and Cropping2D's amounts as {top, bottom, left, right}
// from 1, [rows, cols] or [[top, bottom], [left, right]].
std::vector<std::int64_t> border_setting(const graph_context& graph, const layer_entry& layer, const std::string& key,
                                         std::int64_t fallback);

// Refuses data_format: channels_first (mlrun's images are channels_last).
void check_channels_last(const graph_context& graph, const layer_entry& layer);

const std::string& only_input(const graph_context& graph, const layer_entry& layer);

// The shape of the layer's only input, checked to have `rank` axes
// (`expected` describes them for the message).
const sample_shape& input_of_rank(const graph_context& graph, const layer_entry& layer, std::size_t rank,
                                  const std::string& expected);

}  // namespace mlrun::onnx_format
