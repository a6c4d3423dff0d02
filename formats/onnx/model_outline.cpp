#include "model_outline.hpp"

#include "onnx_error.hpp"

#include "config/bounded_yaml.hpp"

#include <set>

namespace mlrun::onnx_format {
namespace {

std::vector<std::int64_t> read_shape(const YAML::Node& node, const std::string& where)
{
    std::vector<std::int64_t> shape;
    try {
        shape = node.as<std::vector<std::int64_t>>();
    } catch (const YAML::Exception&) {
        throw format_error(where + ": expected a list of positive sizes such as [784]");
    }
    for (const std::int64_t d : shape) {
        if (d < 1) throw format_error(where + ": expected positive sizes, found " + std::to_string(d));
    }
    return shape;
}

// One `- Class: {settings}` item, with `inputs` beside the class when the model is a graph.
layer_entry read_item(const YAML::Node& item, const std::string& at, std::vector<std::int64_t>& input_shape)
{
    if (!item.IsMap()) throw format_error(at + ": expected a mapping such as '- Dense: {units: 10}'");
    layer_entry layer;
    YAML::Node settings;
    for (const auto& kv : item) {
        const std::string key = kv.first.Scalar();
        if (key == "inputs") {
            if (kv.second.IsScalar()) layer.inputs.push_back(kv.second.Scalar());
            for (const auto& in : kv.second) layer.inputs.push_back(in.Scalar());
        } else if (key == "name") {
            layer.name = kv.second.Scalar();
        } else if (!layer.class_name.empty()) {
            throw format_error(at + ": two layer classes, " + layer.class_name + " and " + key);
        } else {
            layer.class_name = key;
            settings = kv.second;
        }
    }
    if (layer.class_name.empty()) throw format_error(at + ": no layer class");
    layer.config = YAML::Node(YAML::NodeType::Map);
    if (settings.IsMap()) {
        for (const auto& kv : settings) {
            const std::string key = kv.first.Scalar();
            if (key == "name") {
                layer.name = kv.second.Scalar();
            } else if (key == "input_shape" || (layer.class_name == "Input" && key == "shape")) {
                input_shape = read_shape(kv.second, at + ": " + key);
            } else {
                layer.config[key] = kv.second;
            }
        }
    }
    if (layer.name.empty()) throw format_error(at + " (" + layer.class_name + "): the layer has no name");
    return layer;
}

}  // namespace

model_outline read_model_outline(const std::string& layers_yaml, const std::string& where)
{
    YAML::Node list;
    try {
        list = load_bounded_yaml(layers_yaml);
    } catch (const YAML::Exception& e) {
        throw format_error(where + ": not valid YAML: " + e.msg);
    }
    if (!list.IsSequence() || list.size() == 0) throw format_error(where + ": expected a list of layers");
    model_outline outline;
    outline.input_name = "input";  // the framework's name for a Sequential model's input
    std::set<std::string> defined;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string at = where + ": layer " + std::to_string(i);
        std::vector<std::int64_t> shape;
        layer_entry layer = read_item(list[i], at, shape);
        if (i == 0 && layer.class_name != "Input") defined.insert(outline.input_name);
        if (!shape.empty()) {
            if (i != 0) throw format_error(at + " '" + layer.name + "': only the first layer gives the input shape");
            outline.input_shape = shape;
        }
        if (layer.class_name == "Input") {
            if (i != 0) throw format_error(at + " '" + layer.name + "': an Input may only come first");
            outline.input_name = layer.name;
            defined.insert(layer.name);
            continue;
        }
        if (layer.inputs.empty()) {
            layer.inputs.push_back(outline.layers.empty() ? outline.input_name : outline.layers.back().name);
        }
        for (const std::string& input : layer.inputs) {
            if (defined.count(input) == 0) {
                throw format_error(at + " '" + layer.name + "': takes input '" + input +
                                   "', which is not a layer defined before it");
            }
        }
        if (!defined.insert(layer.name).second) {
            throw format_error(at + ": a second layer named '" + layer.name + "'");
        }
        outline.layers.push_back(std::move(layer));
    }
    if (outline.input_shape.empty()) {
        throw format_error(where + ": the model gives no input shape (no Input layer or input_shape on the first "
                                   "layer); ONNX needs it to declare the graph's input");
    }
    if (outline.layers.empty()) throw format_error(where + ": a model without layers beyond its input");
    return outline;
}

}  // namespace mlrun::onnx_format
