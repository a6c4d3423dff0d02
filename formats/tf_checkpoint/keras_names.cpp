#include "keras_names.hpp"

#include <algorithm>
#include <cstdlib>

namespace mlrun::tf {
namespace {

using object = TrackableObjectGraph::TrackableObject;

constexpr const char* variable_value = "VARIABLE_VALUE";
constexpr const char* attributes_suffix = "/.ATTRIBUTES/VARIABLE_VALUE";
constexpr const char* weighted_prefix = "layer_with_weights-";
constexpr const char* layer_prefix = "layer-";

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string::npos) return parts;
        start = end + 1;
    }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// "layer_with_weights-12" -> 12; -1 when the name has another form.
int number_after(const std::string& name, const std::string& prefix)
{
    if (!starts_with(name, prefix) || name.size() == prefix.size()) return -1;
    const std::string digits = name.substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
    if (digits.size() > 9) return -1;
    return std::atoi(digits.c_str());
}

void add_child(object& parent, int node, const std::string& local_name)
{
    auto* child = parent.add_children();
    child->set_node_id(node);
    child->set_local_name(local_name);
}

void add_variable(object& node, const std::string& full_name, const std::string& key)
{
    auto* attribute = node.add_attributes();
    attribute->set_name(variable_value);
    attribute->set_full_name(full_name);
    attribute->set_checkpoint_key(key);
}

struct weight {
    std::string layer;
    std::string name;  // "kernel"
    std::size_t input = 0;
    int node = -1;
    std::string path;  // "layer_with_weights-0/kernel"
};

}  // namespace

std::string escape_local_name(const std::string& name)
{
    std::string out;
    for (char c : name) {
        if (c == '.') out += "..";
        else if (c == '/') out += ".S";
        else out += c;
    }
    return out;
}

std::string unescape_local_name(const std::string& name)
{
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '.' && i + 1 < name.size() && (name[i + 1] == '.' || name[i + 1] == 'S')) {
            out += name[i + 1] == '.' ? '.' : '/';
            ++i;
        } else {
            out += name[i];
        }
    }
    return out;
}

keras_layout plan_keras_layout(const std::vector<std::string>& names, const model_outline& outline)
{
    keras_layout layout;
    layout.keys = names;  // unrecognised names keep their own

    std::vector<weight> weights;
    std::vector<std::string> weighted_layers;  // in order of first appearance
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto parts = split(names[i], '/');
        if (parts.size() != 2 || parts[0] == "optimizer" || parts[0].empty() || parts[1].empty()) continue;
        weights.push_back({parts[0], parts[1], i, -1, ""});
        if (std::find(weighted_layers.begin(), weighted_layers.end(), parts[0]) == weighted_layers.end()) {
            weighted_layers.push_back(parts[0]);
        }
    }
    auto find_weight = [&](const std::string& layer, const std::string& name) -> weight* {
        for (weight& w : weights) {
            if (w.layer == layer && w.name == name) return &w;
        }
        return nullptr;
    };
    struct slot {
        weight* of;
        std::string name;
        std::size_t input;
    };
    std::vector<slot> slots;
    std::vector<std::string> slot_names;  // in order of first appearance: m, v
    int iterations = -1;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const auto parts = split(names[i], '/');
        if (names[i] == "optimizer/iterations") {
            iterations = static_cast<int>(i);
        } else if (parts.size() == 4 && parts[0] == "optimizer") {
            if (weight* w = find_weight(parts[1], parts[2])) {
                slots.push_back({w, parts[3], i});
                if (std::find(slot_names.begin(), slot_names.end(), parts[3]) == slot_names.end()) {
                    slot_names.push_back(parts[3]);
                }
            }
        }
    }
    if (weights.empty()) return layout;  // nothing Keras would recognise: a name-based bundle

    // layer-i counts every layer; it needs the outline, which must know
    // every weighted layer to be trusted.
    std::vector<std::string> all_layers = outline.layers;
    for (const std::string& l : weighted_layers) {
        if (std::find(all_layers.begin(), all_layers.end(), l) == all_layers.end()) {
            all_layers = weighted_layers;
            break;
        }
    }
    const bool with_optimizer = iterations >= 0 || !slots.empty();
    const std::string optimizer_class = outline.optimizer_class.empty() ? "Optimizer" : outline.optimizer_class;

    // Nodes are numbered in breadth-first order from the root, as
    // TensorFlow numbers them; slot variables come last.
    TrackableObjectGraph graph;
    graph.add_nodes();  // the root: the model
    std::vector<std::pair<std::string, int>> layer_nodes;  // weighted layer -> node
    int weighted_index = 0;
    for (std::size_t i = 0; i < all_layers.size(); ++i) {
        const int node = graph.nodes_size();
        graph.add_nodes();
        const bool weighted =
            std::find(weighted_layers.begin(), weighted_layers.end(), all_layers[i]) != weighted_layers.end();
        if (weighted) {
            add_child(*graph.mutable_nodes(0), node, weighted_prefix + std::to_string(weighted_index++));
            layer_nodes.emplace_back(all_layers[i], node);
        }
        add_child(*graph.mutable_nodes(0), node, layer_prefix + std::to_string(i));
    }
    int optimizer_node = -1;
    if (with_optimizer) {
        optimizer_node = graph.nodes_size();
        graph.add_nodes();
        add_child(*graph.mutable_nodes(0), optimizer_node, "optimizer");
    }
    for (std::size_t k = 0; k < layer_nodes.size(); ++k) {
        const auto& [layer, layer_node] = layer_nodes[k];
        for (weight& w : weights) {
            if (w.layer != layer) continue;
            w.node = graph.nodes_size();
            graph.add_nodes();
            const std::string local = escape_local_name(w.name);
            add_child(*graph.mutable_nodes(layer_node), w.node, local);
            w.path = weighted_prefix + std::to_string(k) + "/" + local;
            layout.keys[w.input] = w.path + attributes_suffix;
            add_variable(*graph.mutable_nodes(w.node), w.layer + "/" + w.name, layout.keys[w.input]);
        }
    }
    if (with_optimizer) {
        auto add_optimizer_variable = [&](const std::string& name) {
            const int node = graph.nodes_size();
            graph.add_nodes();
            add_child(*graph.mutable_nodes(optimizer_node), node, escape_local_name(name));
            const std::string key = "optimizer/" + escape_local_name(name) + attributes_suffix;
            add_variable(*graph.mutable_nodes(node), optimizer_class + "/" + name, key);
            return key;
        };
        if (iterations >= 0) layout.keys[static_cast<std::size_t>(iterations)] = add_optimizer_variable("iter");
        for (const auto& [name, value] : outline.hyperparameters) {
            layout.hyperparameter_keys.push_back(add_optimizer_variable(name));
        }
        for (const std::string& slot_name : slot_names) {
            for (const weight& w : weights) {
                for (const slot& s : slots) {
                    if (s.of != &w || s.name != slot_name) continue;
                    const int node = graph.nodes_size();
                    graph.add_nodes();
                    layout.keys[s.input] =
                        w.path + "/.OPTIMIZER_SLOT/optimizer/" + escape_local_name(slot_name) + attributes_suffix;
                    add_variable(*graph.mutable_nodes(node), optimizer_class + "/" + w.layer + "/" + w.name + "/" + slot_name,
                                 layout.keys[s.input]);
                    auto* reference = graph.mutable_nodes(optimizer_node)->add_slot_variables();
                    reference->set_original_variable_node_id(w.node);
                    reference->set_slot_name(slot_name);
                    reference->set_slot_variable_node_id(node);
                }
            }
        }
    }
    layout.object_graph = graph.SerializeAsString();
    return layout;
}

keras_mapping map_keras_keys(const TrackableObjectGraph& graph, const std::vector<std::string>& layer_names)
{
    keras_mapping mapping;
    const int count = graph.nodes_size();
    auto node_at = [&](int id) -> const object* { return id >= 0 && id < count ? &graph.nodes(id) : nullptr; };
    auto variable_key = [&](int id) -> const std::string* {
        if (const object* o = node_at(id)) {
            for (const auto& a : o->attributes()) {
                if (a.name() == variable_value) return &a.checkpoint_key();
            }
        }
        return nullptr;
    };
    auto child = [&](int id, const std::string& name) {
        if (const object* o = node_at(id)) {
            for (const auto& c : o->children()) {
                if (c.local_name() == name) return c.node_id();
            }
        }
        return -1;
    };
    for (const object& o : graph.nodes()) {
        for (const auto& a : o.attributes()) {
            if (a.name() != variable_value) mapping.non_variables.insert(a.checkpoint_key());
        }
    }
    auto is_model = [&](int id) {
        const object* o = node_at(id);
        if (o == nullptr) return false;
        return std::any_of(o->children().begin(), o->children().end(), [](const auto& c) {
            return number_after(c.local_name(), weighted_prefix) >= 0 || number_after(c.local_name(), layer_prefix) >= 0;
        });
    };
    int model = -1;
    if (is_model(0)) {
        model = 0;
    } else if (const object* root = node_at(0)) {
        for (const auto& c : root->children()) {
            if (c.node_id() != 0 && is_model(c.node_id())) {
                model = c.node_id();
                mapping.model_path = c.local_name();
                break;
            }
        }
    }
    if (model < 0) return mapping;

    std::vector<std::pair<int, int>> weighted;  // k -> layer node
    for (const auto& c : graph.nodes(model).children()) {
        const int k = number_after(c.local_name(), weighted_prefix);
        if (k >= 0) weighted.emplace_back(k, c.node_id());
    }
    std::sort(weighted.begin(), weighted.end());
    std::map<int, std::string> name_of_variable;  // node -> mlrun name
    std::vector<int> variable_order;              // trainable variables in model order
    for (const auto& [k, layer_node] : weighted) {
        const object* layer = node_at(layer_node);
        if (layer == nullptr) continue;
        std::vector<std::pair<std::string, int>> variables;
        for (const auto& c : layer->children()) {
            if (variable_key(c.node_id()) != nullptr) variables.emplace_back(unescape_local_name(c.local_name()), c.node_id());
        }
        std::string layer_name = static_cast<std::size_t>(k) < layer_names.size() ? layer_names[static_cast<std::size_t>(k)] : "";
        if (layer_name.empty() && !variables.empty()) {
            for (const auto& a : graph.nodes(variables.front().second).attributes()) {
                const std::size_t slash = a.full_name().rfind('/');
                if (a.name() == variable_value && slash != std::string::npos && slash > 0) {
                    layer_name = a.full_name().substr(0, slash);
                }
            }
        }
        if (layer_name.empty()) layer_name = weighted_prefix + std::to_string(k);
        for (const auto& [weight_name, node] : variables) {
            const std::string name = layer_name + "/" + weight_name;
            mapping.names[*variable_key(node)] = name;
            name_of_variable[node] = name;
            variable_order.push_back(node);
        }
    }

    const int optimizer = child(model, "optimizer");
    const object* opt = node_at(optimizer);
    if (opt == nullptr) return mapping;
    auto map_slot = [&](int original, const std::string& slot_name, int slot_node) {
        const auto found = name_of_variable.find(original);
        const std::string* key = variable_key(slot_node);
        if (found != name_of_variable.end() && key != nullptr) mapping.names[*key] = "optimizer/" + found->second + "/" + slot_name;
    };
    for (const char* counter : {"iter", "_iterations"}) {
        if (const std::string* key = variable_key(child(optimizer, counter))) mapping.names[*key] = "optimizer/iterations";
    }
    for (const auto& s : opt->slot_variables()) {
        map_slot(s.original_variable_node_id(), s.slot_name(), s.slot_variable_node_id());
    }
    // Keras 2.11+ optimizers keep slots in lists, one entry per trainable
    // variable: _momentums (Adam's m) and _velocities (Adam's v).
    bool listed = false;
    for (const auto& [list, slot_name] : {std::pair<const char*, const char*>{"_momentums", "m"}, {"_velocities", "v"}}) {
        const object* entries = node_at(child(optimizer, list));
        if (entries == nullptr) continue;
        listed = true;
        for (const auto& c : entries->children()) {
            const int i = number_after("#" + c.local_name(), "#");
            if (i >= 0 && static_cast<std::size_t>(i) < variable_order.size()) {
                map_slot(variable_order[static_cast<std::size_t>(i)], slot_name, c.node_id());
            }
        }
    }
    // Without those lists, _variables holds the counter first, then m and v
    // of each variable in turn (Adam's layout).
    if (const object* entries = node_at(child(optimizer, "_variables")); entries != nullptr && !listed) {
        for (const auto& c : entries->children()) {
            const int j = number_after("#" + c.local_name(), "#");
            if (j < 1) continue;
            const auto i = static_cast<std::size_t>((j - 1) / 2);
            if (i < variable_order.size()) map_slot(variable_order[i], (j - 1) % 2 == 0 ? "m" : "v", c.node_id());
        }
    }
    for (const auto& c : opt->children()) {
        const std::string* key = variable_key(c.node_id());
        if (key != nullptr && mapping.names.count(*key) == 0) mapping.hyperparameters.insert(*key);
    }
    return mapping;
}

}  // namespace mlrun::tf
