#include "mlrun/model/model_builder.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/layers/structural_layers.hpp"

#include <cctype>
#include <map>
#include <set>

namespace mlrun {
namespace {

// One list item, taken apart.
struct layer_item {
    YAML::Node node;           // the whole item, for positions
    std::string class_name;
    YAML::Node config;         // the class's mapping, without name/input_shape
    std::string name;          // empty: automatic
    std::vector<std::string> inputs;
    std::optional<shape> input_shape;
    YAML::Node input_shape_node;  // for positions
};

const std::set<std::string> item_keys = {"name", "inputs"};

// Keras's rule for layer names (TensorFlow's op names): a letter, digit or
// '.', then letters, digits and "_.->"; never '/', which would make a
// weight's name a path that saves and reads back as another layer's.
std::string layer_name(const YAML::Node& value, const std::string& file, std::size_t index)
{
    const std::string name = value.IsScalar() ? value.Scalar() : "";
    const auto allowed = [](char c, bool first) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
               (!first && (c == '_' || c == '-' || c == '>'));
    };
    bool valid = !name.empty();
    for (std::size_t i = 0; valid && i < name.size(); ++i) valid = allowed(name[i], i == 0);
    if (!valid) {
        throw config_error(position(file, value) + ": model[" + std::to_string(index) + "].name: '" + name +
                           "' is not a layer name: expected a letter, digit or '.' and then letters, digits or "
                           "_ . - > (no '/'), as Keras requires");
    }
    return name;
}

std::vector<std::int64_t> read_shape(const YAML::Node& node, const std::string& file, const std::string& what)
{
    key_spec spec{what, value_kind::integer_list, "", "per-sample shape"};
    check_value(node, spec, file, what);
    auto dims = node.as<std::vector<std::int64_t>>();
    for (std::int64_t d : dims) {
        if (d < 1) throw config_error(position(file, node) + ": " + what + ": dimensions must be >= 1");
    }
    return dims;
}

layer_item parse_item(const YAML::Node& item, const std::string& file, std::size_t index)
{
    const std::string where = position(file, item) + ": model[" + std::to_string(index) + "]";
    if (!item.IsMap()) {
        throw config_error(where + ": expected a layer such as '- Dense: {units: 10}', found " +
                           (item.IsScalar() ? "'" + item.Scalar() + "'" : "a list"));
    }
    layer_item result;
    result.node.reset(item);
    for (const auto& kv : item) {
        const std::string key = kv.first.Scalar();
        if (key == "name") {
            result.name = layer_name(kv.second, file, index);
        } else if (key == "inputs") {
            key_spec spec{"inputs", value_kind::string_list, "", "names of the input layers"};
            const YAML::Node value = kv.second.IsScalar() ? YAML::Node(std::vector<std::string>{kv.second.Scalar()})
                                                          : kv.second;
            check_value(value, spec, file, "inputs");
            result.inputs = value.as<std::vector<std::string>>();
        } else if (result.class_name.empty()) {
            result.class_name = key;
            result.config.reset(kv.second);
        } else {
            throw config_error(position(file, kv.first) + ": model[" + std::to_string(index) +
                               "]: one layer per item; found both '" + result.class_name + "' and '" + key + "'");
        }
    }
    if (result.class_name.empty()) throw config_error(where + ": no layer class given");
    find_layer_class(result.class_name, position(file, item));
    if (result.config.IsDefined() && !result.config.IsNull() && !result.config.IsMap()) {
        throw config_error(position(file, result.config) + ": " + result.class_name +
                           ": expected a mapping of its settings, found '" +
                           (result.config.IsScalar() ? result.config.Scalar() : "a list") + "'");
    }
    // name and input_shape may also sit inside the class's mapping (Keras style).
    YAML::Node own(YAML::NodeType::Map);
    if (result.config.IsMap()) {
        for (const auto& kv : result.config) {
            const std::string key = kv.first.Scalar();
            if (key == "name") {
                result.name = layer_name(kv.second, file, index);
            } else if (key == "input_shape") {
                result.input_shape = shape(read_shape(kv.second, file, result.class_name + ".input_shape"));
                result.input_shape_node.reset(kv.second);
            } else {
                own[kv.first] = kv.second;
            }
        }
    }
    result.config.reset(own);
    return result;
}

}  // namespace

std::unique_ptr<model> build_model(const YAML::Node& section, const std::string& file,
                                   const std::optional<shape>& data_sample_shape)
{
    if (!section.IsSequence() || section.size() == 0) {
        throw config_error(position(file, section) + ": model: expected a list of layers, e.g.\n"
                           "  model:\n    - Dense: {units: 10, activation: softmax, input_shape: [784]}");
    }
    std::vector<layer_item> items;
    for (std::size_t i = 0; i < section.size(); ++i) items.push_back(parse_item(section[i], file, i));

    bool graph = items[0].class_name == "Input";
    for (const layer_item& item : items) graph = graph || !item.inputs.empty();

    std::vector<model::node> nodes;
    std::map<std::string, std::size_t> index_of;
    std::map<std::string, int> class_counts;
    auto auto_name = [&](const std::string& class_name) {
        // Keras numbers Input layers from 1 ("input_1"), every other class from 0.
        const std::string key = class_name == "Input" ? "InputLayer" : class_name;
        int& count = class_counts[key];
        if (class_name == "Input") return "input_" + std::to_string(++count);
        return default_layer_name(class_name, count++);
    };
    auto add_node = [&](std::unique_ptr<layer> op, std::vector<std::size_t> inputs, const YAML::Node& where,
                        const std::string& origin) {
        if (!index_of.emplace(op->name(), nodes.size()).second) {
            throw config_error(position(file, where) + ": two layers are named '" + op->name() + "'");
        }
        model::node n;
        n.op = std::move(op);
        n.inputs = std::move(inputs);
        n.origin = origin;
        nodes.push_back(std::move(n));
    };

    std::size_t first = 0;
    if (items[0].class_name == "Input") {
        const layer_item& in = items[0];
        const layer_class& cls = find_layer_class("Input", position(file, in.node));
        YAML::Node config = check_keys(in.config, cls.keys, file, "Input");
        add_node(cls.create(in.name.empty() ? auto_name("Input") : in.name, config), {}, in.node,
                 position(file, in.node) + ": model[0]");
        first = 1;
    } else {
        std::optional<shape> input_shape = items[0].input_shape ? items[0].input_shape : data_sample_shape;
        if (!input_shape) {
            throw config_error(position(file, items[0].node) + ": the first layer needs input_shape, e.g. " +
                               "'- " + items[0].class_name + ": {..., input_shape: [784]}'");
        }
        const std::string origin = items[0].input_shape
                                       ? position(file, items[0].input_shape_node) + ": model[0]." +
                                             items[0].class_name + ".input_shape"
                                       : position(file, items[0].node) + ": model[0] (its input, the data's samples)";
        add_node(std::make_unique<input_layer>(graph ? auto_name("Input") : "input", *input_shape), {},
                 items[0].node, origin);
    }

    for (std::size_t i = first; i < items.size(); ++i) {
        const layer_item& item = items[i];
        if (item.input_shape && i != 0) {
            throw config_error(position(file, item.node) + ": input_shape belongs on the first layer only");
        }
        const layer_class& cls = find_layer_class(item.class_name, position(file, item.node));
        if (cls.name == "Input") {
            throw config_error(position(file, item.node) + ": an Input may only be the first layer");
        }
        const std::string path = "model[" + std::to_string(i) + "]." + item.class_name;
        YAML::Node config = check_keys(item.config, cls.keys, file, path);
        const std::string name = item.name.empty() ? auto_name(item.class_name) : item.name;
        std::vector<std::size_t> inputs;
        if (item.inputs.empty()) {
            inputs.push_back(nodes.size() - 1);
        } else {
            for (const std::string& input : item.inputs) {
                auto it = index_of.find(input);
                if (it == index_of.end()) {
                    std::vector<std::string> known;
                    for (const auto& kv : index_of) known.push_back(kv.first);
                    const std::string hint = did_you_mean(input, known);
                    throw config_error(position(file, item.node) + ": layer '" + name + "' takes input '" + input +
                                       "', which is not a layer defined before it" +
                                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
                }
                inputs.push_back(it->second);
            }
        }
        std::unique_ptr<layer> op;
        try {
            op = cls.create(name, config);
        } catch (const config_error& e) {
            throw config_error(position(file, item.node) + ": " + e.what());
        }
        add_node(std::move(op), std::move(inputs), item.node, position(file, item.node) + ": model[" +
                 std::to_string(i) + "]");
    }
    const std::string model_name = graph ? "model" : "sequential";
    const std::size_t output = nodes.size() - 1;
    return std::make_unique<model>(model_name, !graph, std::move(nodes), output);
}

}  // namespace mlrun
