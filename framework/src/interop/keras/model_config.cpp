#include "interop/keras/model_config.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/layers.hpp"
#include "interop/keras/plugin_layer_forms.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace mlrun::interop::keras {
namespace {

std::string class_of(const json& entry, const std::string& where)
{
    const json* cls = member(entry, "class_name");
    if (cls == nullptr || !cls->is_string()) {
        throw format_error(where + ": a layer entry without class_name: " + json_excerpt(entry));
    }
    return cls->get<std::string>();
}

const json& config_of(const json& entry, const std::string& where)
{
    const json* config = member(entry, "config");
    if (config == nullptr || !config->is_object()) {
        throw format_error(where + ": a layer entry without a config object: " + json_excerpt(entry));
    }
    return *config;
}

std::string layer_where(const std::string& where, const json& entry, std::size_t index)
{
    std::string name;
    if (const json* config = member(entry, "config")) {
        if (const json* n = member(*config, "name"); n != nullptr && n->is_string()) name = n->get<std::string>();
    }
    if (const json* n = member(entry, "name"); name.empty() && n != nullptr && n->is_string()) {
        name = n->get<std::string>();
    }
    const json* cls = member(entry, "class_name");
    return where + ": layer " + std::to_string(index) + (name.empty() ? "" : " '" + name + "'") +
           (cls != nullptr && cls->is_string() ? " (" + cls->get<std::string>() + ")" : "");
}

// A built-in class's layer, or a plugin layer's in its Keras form.
layer_spec read_layer(const std::string& cls, const json& config, const std::string& where,
                      const std::vector<plugin_layer_form>& forms)
{
    if (!is_translated_class(cls)) {
        if (const plugin_layer_form* form = form_of_keras_class(forms, cls)) return plugin_layer_from_keras(*form, config, where);
    }
    return layer_from_keras(cls, config, where);
}

// {"class_name": ..., "config": ...} of `l`: a built-in class's, or its plugin's Keras form.
json layer_entry(const layer_spec& l, const std::vector<std::int64_t>* batch_input_shape, const std::string& where,
                 const std::vector<plugin_layer_form>& forms)
{
    if (const plugin_layer_form* form = form_of_class(forms, l.class_name)) {
        return {{"class_name", form->keras_class}, {"config", plugin_keras_config(*form, l, batch_input_shape, where)}};
    }
    return {{"class_name", l.class_name}, {"config", keras_layer_config(l, batch_input_shape, where)}};
}

model_spec sequential_from_keras(const json& config, const std::string& where,
                                 const std::vector<plugin_layer_form>& forms)
{
    model_spec spec;
    spec.sequential = true;
    // Keras <= 2.1 stores the layer list itself; later versions an object.
    const json* layers = config.is_array() ? &config : member(config, "layers");
    if (layers == nullptr || !layers->is_array() || layers->empty()) {
        throw format_error(where + ": a Sequential model without layers");
    }
    if (const json* name = member(config, "name"); name != nullptr && name->is_string()) spec.name = name->get<std::string>();
    for (std::size_t i = 0; i < layers->size(); ++i) {
        const json& entry = (*layers)[i];
        const std::string at = layer_where(where, entry, i);
        const std::string cls = class_of(entry, at);
        const json& layer_config = config_of(entry, at);
        if (cls == "InputLayer") {
            if (i != 0) throw format_error(at + ": an InputLayer may only come first");
            spec.input_shape = input_shape_of(layer_config, at);
            continue;
        }
        if (spec.input_shape.empty()) spec.input_shape = input_shape_of(layer_config, at);
        spec.layers.push_back(read_layer(cls, layer_config, at, forms));
    }
    if (spec.input_shape.empty()) {
        // Keras 3 keeps the shape the model was built for at the top.
        if (const json* built = member(config, "build_input_shape"); built != nullptr && built->is_array()) {
            spec.input_shape = input_shape_of(json{{"batch_shape", *built}}, where + ": build_input_shape");
        }
    }
    if (spec.layers.empty()) throw format_error(where + ": a Sequential model without layers");
    if (spec.input_shape.empty()) {
        throw format_error(where + ": the model gives no input shape (no InputLayer, batch_input_shape or "
                                   "build_input_shape); mlrun needs it to build the layers");
    }
    return spec;
}

// The names of the layers feeding one functional layer: Keras 2's
// [[["name", node, tensor, {kwargs}], ...]] or Keras 3's
// [{"args": [...keras_history: ["name", node, tensor]...], "kwargs": {}}].
void collect_history(const json& value, std::vector<std::string>& names)
{
    if (value.is_object()) {
        if (const json* history = member(value, "keras_history"); history != nullptr && history->is_array() &&
                                                                  !history->empty() && (*history)[0].is_string()) {
            names.push_back((*history)[0].get<std::string>());
            return;
        }
        for (const auto& item : value.items()) collect_history(item.value(), names);
    } else if (value.is_array()) {
        for (const json& item : value) collect_history(item, names);
    }
}

std::vector<std::string> inbound_layers(const json& entry, const std::string& where)
{
    const json* nodes = member(entry, "inbound_nodes");
    std::vector<std::string> names;
    if (nodes == nullptr || !nodes->is_array() || nodes->empty()) return names;
    if (nodes->size() > 1) {
        throw format_error(where + ": the layer is called " + std::to_string(nodes->size()) +
                           " times (a shared layer); mlrun graphs call each layer once");
    }
    const json& node = (*nodes)[0];
    if (node.is_object()) {
        collect_history(node, names);
    } else if (node.is_array()) {
        for (const json& link : node) {
            if (!link.is_array() || link.empty() || !link[0].is_string()) {
                throw format_error(where + ": unreadable inbound node " + json_excerpt(link));
            }
            if (link.size() > 2 && link[2] != 0) {
                throw format_error(where + ": takes output " + link[2].dump() + " of '" + link[0].get<std::string>() +
                                   "'; mlrun layers have one output");
            }
            names.push_back(link[0].get<std::string>());
        }
    }
    if (names.empty()) throw format_error(where + ": unreadable inbound_nodes " + json_excerpt(*nodes));
    return names;
}

std::string single_endpoint(const json& config, const char* key, const std::string& where)
{
    const json* list = member(config, key);
    if (list == nullptr || !list->is_array()) throw format_error(where + ": missing " + key);
    // [["name", 0, 0]] in Keras 2; Keras 3 may drop the outer list for one entry.
    const json& first = list->size() == 3 && (*list)[0].is_string() ? *list : (list->size() == 1 ? (*list)[0] : json());
    if (!first.is_array() || first.empty() || !first[0].is_string()) {
        throw format_error(where + ": " + key + " " + json_excerpt(*list) +
                           "; mlrun models have exactly one input and one output");
    }
    return first[0].get<std::string>();
}

// Orders layers so each comes after its inputs, keeping the file's order
// where it allows, and the output last (the builder takes the last layer
// as the output).
std::vector<layer_spec> topological_order(std::vector<layer_spec> layers, const std::string& input,
                                          const std::string& output, const std::string& where)
{
    std::vector<layer_spec> ordered;
    std::set<std::string> placed = {input};
    std::vector<bool> done(layers.size(), false);
    while (ordered.size() < layers.size()) {
        bool progress = false;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            if (done[i]) continue;
            bool ready = true;
            for (const std::string& in : layers[i].inputs) ready = ready && placed.count(in) != 0;
            const bool last_one = ordered.size() + 1 == layers.size();
            if (!ready || (layers[i].name == output && !last_one)) continue;
            placed.insert(layers[i].name);
            ordered.push_back(std::move(layers[i]));
            done[i] = true;
            progress = true;
            break;
        }
        if (!progress) {
            std::string stuck;
            for (std::size_t i = 0; i < layers.size(); ++i) {
                if (!done[i]) stuck += (stuck.empty() ? "" : ", ") + layers[i].name;
            }
            throw format_error(where + ": the layers " + stuck + " take inputs that are not in the model, form a " +
                               "cycle, or feed the output layer '" + output + "'");
        }
    }
    return ordered;
}

model_spec functional_from_keras(const json& config, const std::string& where,
                                 const std::vector<plugin_layer_form>& forms)
{
    model_spec spec;
    spec.sequential = false;
    const json* layers = member(config, "layers");
    if (layers == nullptr || !layers->is_array() || layers->empty()) throw format_error(where + ": a model without layers");
    if (const json* name = member(config, "name"); name != nullptr && name->is_string()) spec.name = name->get<std::string>();
    spec.input_name = single_endpoint(config, "input_layers", where);
    const std::string output = single_endpoint(config, "output_layers", where);
    std::vector<layer_spec> found;
    bool input_found = false;
    for (std::size_t i = 0; i < layers->size(); ++i) {
        const json& entry = (*layers)[i];
        const std::string at = layer_where(where, entry, i);
        const std::string cls = class_of(entry, at);
        const json& layer_config = config_of(entry, at);
        if (cls == "InputLayer") {
            const json* name = member(layer_config, "name");
            const json* entry_name = member(entry, "name");
            const std::string input = entry_name != nullptr && entry_name->is_string() ? entry_name->get<std::string>()
                                      : name != nullptr && name->is_string()           ? name->get<std::string>()
                                                                                       : "";
            if (input != spec.input_name) {
                throw format_error(at + ": a second input; mlrun models have exactly one input ('" + spec.input_name +
                                   "')");
            }
            spec.input_shape = input_shape_of(layer_config, at);
            input_found = true;
            continue;
        }
        layer_spec layer = read_layer(cls, layer_config, at, forms);
        layer.inputs = inbound_layers(entry, at);
        found.push_back(std::move(layer));
    }
    if (!input_found || spec.input_shape.empty()) {
        throw format_error(where + ": the input layer '" + spec.input_name + "' is missing or has no shape");
    }
    bool output_found = false;
    for (const layer_spec& l : found) output_found = output_found || l.name == output;
    if (!output_found) throw format_error(where + ": the output layer '" + output + "' is not among the layers");
    spec.layers = topological_order(std::move(found), spec.input_name, output, where);
    return spec;
}

YAML::Node shape_node(const std::vector<std::int64_t>& shape)
{
    YAML::Node list(YAML::NodeType::Sequence);
    for (std::int64_t d : shape) list.push_back(d);
    list.SetStyle(YAML::EmitterStyle::Flow);
    return list;
}

std::vector<std::int64_t> read_shape(const YAML::Node& node, const std::string& where)
{
    try {
        std::vector<std::int64_t> dims = node.as<std::vector<std::int64_t>>();
        for (std::int64_t d : dims) {
            if (d < 1) throw format_error(where + ": dimensions must be >= 1");
        }
        if (dims.empty()) throw format_error(where + ": an empty shape");
        return dims;
    } catch (const YAML::Exception&) {
        throw format_error(where + ": expected a list of dimensions");
    }
}

// Keras's automatic names: snake_case class, numbered from the second.
std::string automatic_name(const std::string& class_name, std::map<std::string, int>& counts)
{
    const std::string snake = snake_case_name(class_name);
    const int n = counts[class_name]++;
    return n == 0 ? snake : snake + "_" + std::to_string(n);
}

// model.layers of a Keras functional model (Keras 2's _map_graph_network,
// Keras 3's map_graph): a depth-first walk from the output, visiting each
// layer's inputs in order, numbers the layers as it first meets them; a
// layer's depth is the longest path from it to the output; layers come
// deepest first, ties in walk order. The input is the deepest of all.
// Layers the output does not depend on (Keras would drop them) follow in
// declaration order, so that no weight is left out of the file.
std::vector<std::string> graph_layer_order(const model_spec& spec)
{
    std::map<std::string, const layer_spec*> by_name;
    for (const layer_spec& l : spec.layers) by_name[l.name] = &l;
    std::map<std::string, std::size_t> walk_index;
    std::vector<std::string> finished;  // post-order: every layer after its inputs
    std::set<std::string> done;
    std::vector<std::pair<std::string, std::size_t>> stack = {{spec.layers.back().name, 0}};
    walk_index[spec.layers.back().name] = 0;
    while (!stack.empty()) {
        auto& [name, next_input] = stack.back();
        auto it = by_name.find(name);
        const std::vector<std::string> none;
        const std::vector<std::string>& inputs = it == by_name.end() ? none : it->second->inputs;
        if (next_input < inputs.size()) {
            const std::string input = inputs[next_input++];
            if (done.count(input) != 0 || walk_index.count(input) != 0) continue;  // met before (or a cycle)
            const std::size_t index = walk_index.size();
            walk_index[input] = index;
            stack.emplace_back(input, 0);
            continue;
        }
        done.insert(name);
        finished.push_back(name);
        stack.pop_back();
    }
    std::map<std::string, std::size_t> depth;
    for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
        const std::size_t d = depth[*it];
        auto layer = by_name.find(*it);
        if (layer == by_name.end()) continue;
        for (const std::string& input : layer->second->inputs) depth[input] = std::max(depth[input], d + 1);
    }
    std::vector<std::string> names(finished.begin(), finished.end());
    std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
        if (depth[a] != depth[b]) return depth[a] > depth[b];
        return walk_index[a] < walk_index[b];
    });
    for (const layer_spec& l : spec.layers) {
        if (done.count(l.name) == 0) names.push_back(l.name);
    }
    if (done.count(spec.input_name) == 0) names.insert(names.begin(), spec.input_name);
    return names;
}

}  // namespace

// Keras's to_snake_case: "_" before each capitalised word, then between
// a lower-case letter and a capital: ReLU -> re_lu, UpSampling2D ->
// up_sampling2d, PReLU -> p_re_lu.
std::string snake_case_name(const std::string& class_name)
{
    auto upper = [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; };
    auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
    std::string words;
    for (std::size_t i = 0; i < class_name.size(); ++i) {
        if (i > 0 && upper(class_name[i]) && i + 1 < class_name.size() && lower(class_name[i + 1])) words += '_';
        words += class_name[i];
    }
    std::string snake;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0 && lower(words[i - 1]) && upper(words[i])) snake += '_';
        snake += static_cast<char>(std::tolower(static_cast<unsigned char>(words[i])));
    }
    return snake;
}

std::string supported_keras_classes()
{
    std::string list;
    for (const std::string& c : translated_classes()) list += (list.empty() ? "" : ", ") + c;
    return list;
}

model_spec model_from_keras(const json& model_config, const std::string& where)
{
    return model_from_keras(model_config, where, {});
}

model_spec model_from_keras(const json& model_config, const std::string& where,
                            const std::vector<plugin_layer_form>& plugin_forms)
{
    const json* cls = member(model_config, "class_name");
    const json* config = member(model_config, "config");
    if (cls == nullptr || !cls->is_string() || config == nullptr) {
        throw format_error(where + ": expected {\"class_name\": ..., \"config\": ...}, found " +
                           json_excerpt(model_config));
    }
    const std::string name = cls->get<std::string>();
    if (name == "Sequential" || name == "Model" || name == "Functional") {
        model_spec spec = name == "Sequential" ? sequential_from_keras(*config, where, plugin_forms)
                                               : functional_from_keras(*config, where, plugin_forms);
        spec.plugin_forms = plugin_forms;
        return spec;
    }
    throw format_error(where + ": model class '" + name +
                       "' cannot be rebuilt (subclassed models are code); mlrun rebuilds Sequential and functional "
                       "(Model, Functional) models");
}

std::string layers_yaml(const model_spec& spec)
{
    YAML::Node list(YAML::NodeType::Sequence);
    if (!spec.sequential) {
        YAML::Node input;
        input["Input"]["name"] = spec.input_name;
        input["Input"]["shape"] = shape_node(spec.input_shape);
        list.push_back(input);
    }
    for (std::size_t i = 0; i < spec.layers.size(); ++i) {
        const layer_spec& layer = spec.layers[i];
        YAML::Node settings(YAML::NodeType::Map);
        settings["name"] = layer.name;
        if (layer.config.IsMap()) {
            for (const auto& kv : layer.config) settings[kv.first.Scalar()] = kv.second;
        }
        if (spec.sequential && i == 0) settings["input_shape"] = shape_node(spec.input_shape);
        YAML::Node item;
        item[layer.class_name] = settings;
        if (!spec.sequential) {
            YAML::Node inputs(YAML::NodeType::Sequence);
            for (const std::string& in : layer.inputs) inputs.push_back(in);
            inputs.SetStyle(YAML::EmitterStyle::Flow);
            item["inputs"] = inputs;
        }
        list.push_back(item);
    }
    return YAML::Dump(list);
}

model_spec model_from_layers_yaml(const std::string& yaml, const std::string& where)
{
    YAML::Node list;
    try {
        list = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        throw format_error(where + " is not valid YAML: " + e.msg);
    }
    if (!list.IsSequence() || list.size() == 0) throw format_error(where + ": expected a list of layers");
    model_spec spec;
    std::map<std::string, int> counts;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const YAML::Node& item = list[i];
        const std::string at = where + ": layer " + std::to_string(i);
        if (!item.IsMap()) throw format_error(at + ": expected a mapping such as '- Dense: {units: 10}'");
        layer_spec layer;
        YAML::Node settings;
        for (const auto& kv : item) {
            const std::string key = kv.first.Scalar();
            if (key == "name") {
                layer.name = kv.second.Scalar();
            } else if (key == "inputs") {
                spec.sequential = false;
                if (kv.second.IsScalar()) {
                    layer.inputs.push_back(kv.second.Scalar());
                } else {
                    for (const auto& in : kv.second) layer.inputs.push_back(in.Scalar());
                }
            } else {
                layer.class_name = key;
                settings = kv.second;
            }
        }
        if (layer.class_name.empty()) throw format_error(at + ": no layer class");
        layer.config = YAML::Node(YAML::NodeType::Map);
        std::vector<std::int64_t> input_shape;
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
        if (layer.class_name == "Input") {
            if (i != 0) throw format_error(at + ": an Input may only come first");
            spec.input_name = layer.name.empty() ? "input_1" : layer.name;
            spec.input_shape = input_shape;
            continue;
        }
        if (!input_shape.empty()) {
            if (i != 0) throw format_error(at + ": input_shape belongs on the first layer only");
            spec.input_shape = input_shape;
        }
        if (layer.name.empty()) layer.name = automatic_name(layer.class_name, counts);
        spec.layers.push_back(std::move(layer));
    }
    if (spec.input_shape.empty()) throw format_error(where + ": the layer list gives no input shape");
    if (spec.layers.empty()) throw format_error(where + ": the layer list has no layers besides the input");
    if (!spec.sequential) {
        if (spec.input_name.empty()) spec.input_name = "input_1";
        // A graph item without inputs takes the item before it.
        for (std::size_t i = 0; i < spec.layers.size(); ++i) {
            if (spec.layers[i].inputs.empty()) {
                spec.layers[i].inputs.push_back(i == 0 ? spec.input_name : spec.layers[i - 1].name);
            }
        }
    }
    return spec;
}

model_spec with_keras2_activations(model_spec spec)
{
    for (layer_spec& l : spec.layers) {
        const YAML::Node& config = l.config;  // read without adding the key
        const YAML::Node activation = config["activation"];
        if (activation.IsDefined() && activation.IsScalar() && activation.Scalar() == "hard_sigmoid") {
            l.config["activation"] = "hard_sigmoid_keras2";
        }
    }
    return spec;
}

void check_activations_have_keras_names(const model_spec& spec, bool keras3)
{
    const char* foreign = keras3 ? "hard_sigmoid_keras2" : "hard_sigmoid";
    for (const layer_spec& l : spec.layers) {
        const YAML::Node activation = l.config["activation"];
        if (!activation.IsDefined() || !activation.IsScalar() || activation.Scalar() != foreign) continue;
        throw format_error("model_config: layer '" + l.name + "' (" + l.class_name + "): activation " + foreign +
                           (keras3 ? " (tf.keras 2.x's clip(0.2 x + 0.5, 0, 1)) has no Keras 3 name; write "
                                     "keras_version 2, or use hard_sigmoid (Keras 3's relu6(x + 3) / 6)"
                                   : " (Keras 3's relu6(x + 3) / 6) has no tf.keras 2.x name (its hard_sigmoid is "
                                     "clip(0.2 x + 0.5, 0, 1)); write keras_version 3, or use hard_sigmoid_keras2"));
    }
}

json keras_model_config(const model_spec& spec)
{
    const std::string where = "model_config";
    check_activations_have_keras_names(spec, false);
    json layers = json::array();
    if (spec.sequential) {
        // tf.keras 2.x lists the implicit input and repeats its shape on the first layer.
        layers.push_back({{"class_name", "InputLayer"},
                          {"config", keras_input_config(spec.layers.front().name + "_input", spec.input_shape)}});
        for (std::size_t i = 0; i < spec.layers.size(); ++i) {
            const layer_spec& l = spec.layers[i];
            layers.push_back(layer_entry(l, i == 0 ? &spec.input_shape : nullptr, where + ": layer '" + l.name + "'",
                                         spec.plugin_forms));
        }
        return {{"class_name", "Sequential"},
                {"config", {{"name", spec.name.empty() ? "sequential" : spec.name}, {"layers", layers}}}};
    }
    layers.push_back({{"class_name", "InputLayer"},
                      {"config", keras_input_config(spec.input_name, spec.input_shape)},
                      {"name", spec.input_name},
                      {"inbound_nodes", json::array()}});
    for (const layer_spec& l : spec.layers) {
        json node = json::array();
        for (const std::string& in : l.inputs) node.push_back({in, 0, 0, json::object()});
        json entry = layer_entry(l, nullptr, where + ": layer '" + l.name + "'", spec.plugin_forms);
        entry["name"] = l.name;
        entry["inbound_nodes"] = json::array({node});
        layers.push_back(std::move(entry));
    }
    return {{"class_name", "Functional"},
            {"config",
             {{"name", spec.name.empty() ? "model" : spec.name},
              {"layers", layers},
              {"input_layers", json::array({json::array({spec.input_name, 0, 0})})},
              {"output_layers", json::array({json::array({spec.layers.back().name, 0, 0})})}}}};
}

std::vector<std::string> keras_layer_names(const model_spec& spec)
{
    std::vector<std::string> names;
    if (spec.sequential) {
        for (const layer_spec& l : spec.layers) names.push_back(l.name);
        return names;
    }
    return graph_layer_order(spec);
}

}  // namespace mlrun::interop::keras
