#include "mlrun/model/model_spec.hpp"

#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/layers/structural_layers.hpp"

#include <map>

namespace mlrun {
namespace {

bool is_input(const model_layer& l) { return std::holds_alternative<input_options>(l.layer.options); }

// "exp.yaml:7:5" for a layer from a file, "model[3]" for one written in code.
std::string where_of(const model_layer& l, std::size_t index)
{
    return l.origin.empty() ? "model[" + std::to_string(index) + "]" : l.origin;
}

}  // namespace

bool model_spec::functional() const
{
    bool graph = !layers.empty() && is_input(layers[0]);
    for (const model_layer& l : layers) graph = graph || !l.inputs.empty();
    return graph;
}

std::unique_ptr<model> build_model(const model_spec& spec, const std::optional<shape>& data_sample_shape)
{
    if (spec.layers.empty()) throw config_error("model: expected at least one layer");
    const bool graph = spec.functional();
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const std::string& name = spec.layers[i].layer.name;
        if (!name.empty()) check_layer_name(name, where_of(spec.layers[i], i) + ": model[" + std::to_string(i) + "].name");
    }

    std::vector<model::node> nodes;
    std::map<std::string, std::size_t> index_of;
    layer_namer namer;
    auto auto_name = [&](const std::string& class_name) { return namer.next(class_name); };
    auto add_node = [&](std::unique_ptr<layer> op, std::vector<std::size_t> inputs, const std::string& where,
                        const std::string& origin) {
        if (!index_of.emplace(op->name(), nodes.size()).second) {
            throw config_error(where + ": two layers are named '" + op->name() + "'");
        }
        model::node n;
        n.op = std::move(op);
        n.inputs = std::move(inputs);
        n.origin = origin;
        nodes.push_back(std::move(n));
    };
    auto create = [&](const layer_spec& s, const std::string& where) {
        try {
            std::unique_ptr<layer> made = make_layer(s, where);
            made->set_policy(s.policy.value_or(spec.policy));
            return made;
        } catch (const config_error& e) {
            const std::string message = e.what();
            // find_layer_class's messages name `where` already.
            throw config_error(message.rfind(where, 0) == 0 ? message : where + ": " + message);
        }
    };

    std::size_t first = 0;
    const model_layer& head = spec.layers[0];
    if (is_input(head)) {
        layer_spec s = head.layer;
        if (s.name.empty()) s.name = auto_name("Input");
        add_node(create(s, where_of(head, 0)), {}, where_of(head, 0),
                 head.origin.empty() ? "" : head.origin + ": model[0]");
        first = 1;
    } else {
        std::optional<shape> input_shape =
            spec.input_shape ? std::optional<shape>(shape(*spec.input_shape)) : data_sample_shape;
        if (!input_shape) {
            throw config_error(where_of(head, 0) + ": the first layer needs input_shape, e.g. '- " +
                               class_name_of(head.layer.options) + ": {..., input_shape: [784]}'");
        }
        for (std::int64_t d : input_shape->dims()) {
            if (d < 1) throw config_error(where_of(head, 0) + ": input_shape: dimensions must be >= 1");
        }
        std::string origin;
        if (!head.origin.empty()) {
            origin = spec.input_shape ? spec.input_shape_origin + ": model[0]." + class_name_of(head.layer.options) +
                                            ".input_shape"
                                      : head.origin + ": model[0] (its input, the data's samples)";
        }
        input_options in;
        in.shape = input_shape->dims();
        add_node(std::make_unique<input_layer>(graph ? auto_name("Input") : "input", in), {}, where_of(head, 0), origin);
    }

    for (std::size_t i = first; i < spec.layers.size(); ++i) {
        const model_layer& item = spec.layers[i];
        const std::string where = where_of(item, i);
        if (is_input(item)) throw config_error(where + ": an Input may only be the first layer");
        layer_spec s = item.layer;
        if (s.name.empty()) s.name = auto_name(class_name_of(s.options));
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
                    throw config_error(where + ": layer '" + s.name + "' takes input '" + input +
                                       "', which is not a layer defined before it" +
                                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
                }
                inputs.push_back(it->second);
            }
        }
        add_node(create(s, where), std::move(inputs), where,
                 item.origin.empty() ? "" : item.origin + ": model[" + std::to_string(i) + "]");
    }
    const std::string model_name = graph ? "model" : "sequential";
    const std::size_t output = nodes.size() - 1;
    return std::make_unique<model>(model_name, !graph, std::move(nodes), output);
}

model_spec spec_of(const model& m)
{
    model_spec spec;
    const auto& nodes = m.nodes();
    if (m.is_sequential()) spec.input_shape = m.input_shape().dims();
    for (std::size_t i = m.is_sequential() ? 1 : 0; i < nodes.size(); ++i) {
        model_layer l;
        l.layer = nodes[i].op->config();
        l.layer.trainable = nodes[i].op->trainable();
        if (nodes[i].op->policy() != dtype_policy::float32) l.layer.policy = nodes[i].op->policy();
        if (!m.is_sequential()) {
            for (std::size_t input : nodes[i].inputs) l.inputs.push_back(nodes[input].op->name());
        }
        spec.layers.push_back(std::move(l));
    }
    return spec;
}

}  // namespace mlrun
