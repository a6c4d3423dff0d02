#include "model/weight_penalties_yaml.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/layers/weight_penalties.hpp"

namespace mlrun {
namespace {

std::optional<regularizer_spec> read_regularizer(const YAML::Node& node, const std::string& path)
{
    if (!node.IsDefined() || !node.IsMap()) return std::nullopt;
    const regularizer_kind kind = parse_regularizer_kind(node["class"].as<std::string>(), path + ".class");
    const auto factor = [&](const char* key) {
        return node[key].IsDefined() && !node[key].IsNull() ? node[key].as<float>() : 0.01f;
    };
    regularizer_spec r;
    r.kind = kind;
    if (kind == regularizer_kind::l1 && node["l2"].IsDefined()) {
        throw config_error(path + ".l2: the l1 regularizer has no l2 factor; use class l1_l2 for both");
    }
    if (kind == regularizer_kind::l2 && node["l1"].IsDefined()) {
        throw config_error(path + ".l1: the l2 regularizer has no l1 factor; use class l1_l2 for both");
    }
    r.l1 = kind == regularizer_kind::l2 ? 0.0f : factor("l1");
    r.l2 = kind == regularizer_kind::l1 ? 0.0f : factor("l2");
    check_regularizer(r, path);
    return r;
}

std::optional<constraint_spec> read_constraint(const YAML::Node& node, const std::string& path)
{
    if (!node.IsDefined() || !node.IsMap()) return std::nullopt;
    const constraint_kind kind = parse_constraint_kind(node["class"].as<std::string>(), path + ".class");
    const auto value = [&](const char* key, float otherwise) {
        return node[key].IsDefined() && !node[key].IsNull() ? node[key].as<float>() : otherwise;
    };
    // One axis or a list (checked against the schema's integer_tuple).
    std::vector<int> axis = {0};
    if (const YAML::Node a = node["axis"]; a.IsDefined() && !a.IsNull()) {
        axis = a.IsSequence() ? a.as<std::vector<int>>() : std::vector<int>{a.as<int>()};
    }
    constraint_spec c;
    switch (kind) {
    case constraint_kind::max_norm: c = max_norm_constraint(value("max_value", 2.0f), axis); break;
    case constraint_kind::non_neg: c = non_neg_constraint(); break;
    case constraint_kind::unit_norm: c = unit_norm_constraint(axis); break;
    case constraint_kind::min_max_norm:
        c = min_max_norm_constraint(value("min_value", 0.0f), value("max_value", 1.0f), value("rate", 1.0f), axis);
        break;
    }
    check_constraint(c, path);
    return c;
}

YAML::Node regularizer_node(const regularizer_spec& r)
{
    YAML::Node n;
    n["class"] = regularizer_name(r.kind);
    if (r.kind != regularizer_kind::l2) n["l1"] = shortest_text(r.l1);
    if (r.kind != regularizer_kind::l1) n["l2"] = shortest_text(r.l2);
    n.SetStyle(YAML::EmitterStyle::Flow);
    return n;
}

YAML::Node constraint_node(const constraint_spec& c)
{
    YAML::Node n;
    n["class"] = constraint_name(c.kind);
    if (c.kind == constraint_kind::max_norm || c.kind == constraint_kind::min_max_norm) {
        n["max_value"] = shortest_text(c.max_value);
    }
    if (c.kind == constraint_kind::min_max_norm) {
        n["min_value"] = shortest_text(c.min_value);
        n["rate"] = shortest_text(c.rate);
    }
    if (c.kind != constraint_kind::non_neg) {
        if (c.axis.size() == 1) {
            n["axis"] = c.axis.front();
        } else {
            YAML::Node list(YAML::NodeType::Sequence);
            for (int a : c.axis) list.push_back(a);
            list.SetStyle(YAML::EmitterStyle::Flow);
            n["axis"] = list;
        }
    }
    n.SetStyle(YAML::EmitterStyle::Flow);
    return n;
}

}  // namespace

void read_weight_penalties(const YAML::Node& config, const std::string& path, const weight_penalties_view& view)
{
    for (const penalized_weight& w : view.weights) {
        const std::string reg = std::string(w.stem) + "_regularizer";
        const std::string con = std::string(w.stem) + "_constraint";
        *w.regularizer = read_regularizer(config[reg], path + "." + reg);
        *w.constraint = read_constraint(config[con], path + "." + con);
    }
    if (view.activity != nullptr) {
        *view.activity = read_regularizer(config["activity_regularizer"], path + ".activity_regularizer");
    }
}

void write_weight_penalties(const weight_penalties_view& view, YAML::Node& config)
{
    for (const penalized_weight& w : view.weights) {
        if (*w.regularizer) config[std::string(w.stem) + "_regularizer"] = regularizer_node(**w.regularizer);
    }
    if (view.activity != nullptr && *view.activity) config["activity_regularizer"] = regularizer_node(**view.activity);
    for (const penalized_weight& w : view.weights) {
        if (*w.constraint) config[std::string(w.stem) + "_constraint"] = constraint_node(**w.constraint);
    }
}

}  // namespace mlrun
