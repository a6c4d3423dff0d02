#include "interop/keras/weight_penalties.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/layer_settings.hpp"

#include <cmath>

namespace mlrun::interop::keras {
namespace {

double number_in(const json& config, const char* key, double fallback, const std::string& where)
{
    const json* v = member(config, key);
    if (v == nullptr || v->is_null()) return fallback;
    if (!v->is_number()) throw format_error(where + ": " + key + ": expected a number, found " + keras_value_text(*v));
    return v->get<double>();
}

// Keras 2's L1L2 also stands for l1() and l2(): a zero factor is the other kind.
YAML::Node regularizer_from_keras(const json& value, const std::string& where)
{
    YAML::Node r(YAML::NodeType::Map);
    std::string cls;
    json config = json::object();
    if (value.is_string()) {
        cls = value.get<std::string>();  // "l2": Keras's defaults
    } else if (const json* name = member(value, "class_name"); name != nullptr && name->is_string()) {
        cls = name->get<std::string>();
        if (const json* c = member(value, "config"); c != nullptr && c->is_object()) config = *c;
    } else {
        throw format_error(where + ": " + keras_value_text(value) + " is not a Keras regularizer");
    }
    if (cls == "L1" || cls == "l1") {
        r["class"] = "l1";
        r["l1"] = number_in(config, "l1", 0.01, where);
    } else if (cls == "L2" || cls == "l2") {
        r["class"] = "l2";
        r["l2"] = number_in(config, "l2", 0.01, where);
    } else if (cls == "L1L2" || cls == "l1_l2") {
        const double default_factor = cls == "l1_l2" ? 0.01 : 0.0;
        const double l1 = number_in(config, "l1", default_factor, where);
        const double l2 = number_in(config, "l2", default_factor, where);
        if (l1 == 0.0 && l2 == 0.0) return YAML::Node();  // the same as none: not a map
        r["class"] = l1 == 0.0 ? "l2" : l2 == 0.0 ? "l1" : "l1_l2";
        if (l1 != 0.0) r["l1"] = l1;
        if (l2 != 0.0) r["l2"] = l2;
    } else {
        throw format_error(where + ": regularizer " + keras_value_text(value) +
                           " is not one mlrun has (L1, L2, L1L2)");
    }
    return r;
}

YAML::Node constraint_from_keras(const json& value, const std::string& where)
{
    std::string cls;
    json config = json::object();
    if (value.is_string()) {
        cls = value.get<std::string>();
    } else if (const json* name = member(value, "class_name"); name != nullptr && name->is_string()) {
        cls = name->get<std::string>();
        if (const json* c = member(value, "config"); c != nullptr && c->is_object()) config = *c;
    } else {
        throw format_error(where + ": " + keras_value_text(value) + " is not a Keras constraint");
    }
    YAML::Node c(YAML::NodeType::Map);
    // An axis or a list of them, as Keras takes it (axis=[0, 1, 2] for a
    // convolution's filters); a list of one reads as the axis.
    const auto axis = [&]() -> YAML::Node {
        const json* a = member(config, "axis");
        if (a == nullptr || a->is_null()) return YAML::Node(0);
        const bool list = a->is_array();
        bool integers = list ? !a->empty() : a->is_number_integer();
        for (std::size_t i = 0; list && i < a->size(); ++i) integers = integers && (*a)[i].is_number_integer();
        if (!integers) {
            throw format_error(where + ": axis " + keras_value_text(*a) + "; expected an axis or a list of axes");
        }
        if (!list) return YAML::Node(a->get<std::int64_t>());
        if (a->size() == 1) return YAML::Node((*a)[0].get<std::int64_t>());
        YAML::Node axes(YAML::NodeType::Sequence);
        for (const json& i : *a) axes.push_back(i.get<std::int64_t>());
        axes.SetStyle(YAML::EmitterStyle::Flow);
        return axes;
    };
    if (cls == "MaxNorm" || cls == "max_norm") {
        c["class"] = "max_norm";
        c["max_value"] = number_in(config, "max_value", 2.0, where);
        c["axis"] = axis();
    } else if (cls == "NonNeg" || cls == "non_neg") {
        c["class"] = "non_neg";
    } else if (cls == "UnitNorm" || cls == "unit_norm") {
        c["class"] = "unit_norm";
        c["axis"] = axis();
    } else if (cls == "MinMaxNorm" || cls == "min_max_norm") {
        c["class"] = "min_max_norm";
        c["min_value"] = number_in(config, "min_value", 0.0, where);
        c["max_value"] = number_in(config, "max_value", 1.0, where);
        c["rate"] = number_in(config, "rate", 1.0, where);
        c["axis"] = axis();
    } else {
        throw format_error(where + ": constraint " + keras_value_text(value) +
                           " is not one mlrun has (MaxNorm, NonNeg, UnitNorm, MinMaxNorm)");
    }
    return c;
}

const json* present(const json& config, std::initializer_list<const char*> keys)
{
    for (const char* k : keys) {
        const json* v = member(config, k);
        if (v != nullptr && !v->is_null()) return v;
    }
    return nullptr;
}

json keras3_object(const char* module, const char* class_name, json config)
{
    return {{"module", module}, {"class_name", class_name}, {"config", std::move(config)}, {"registered_name", nullptr}};
}

}  // namespace

void read_weight_penalties(const json& config, std::initializer_list<const char*> weights, bool activity,
                           const std::string& where, YAML::Node& out)
{
    if (const json* a = present(config, {"activity_regularizer"})) {
        const YAML::Node r = regularizer_from_keras(*a, where + ": activity_regularizer");
        if (r.IsMap() && !activity) {
            throw format_error(where + ": activity_regularizer " + keras_value_text(*a) +
                               "; mlrun's layer of this class takes none");
        }
        if (r.IsMap()) out["activity_regularizer"] = r;
    }
    for (const char* w : weights) {
        const std::string name(w);
        const std::string reg = name + "_regularizer";
        const std::string con = name + "_constraint";
        // Keras 1: W_regularizer, b_constraint, ...
        const std::string old = name == "kernel" ? "W" : name == "bias" ? "b" : name;
        const std::string old_reg = old + "_regularizer";
        const std::string old_con = old + "_constraint";
        if (const json* v = present(config, {reg.c_str(), old_reg.c_str()})) {
            const YAML::Node r = regularizer_from_keras(*v, where + ": " + reg);
            if (r.IsMap()) out[reg] = r;
        }
        if (const json* v = present(config, {con.c_str(), old_con.c_str()})) {
            out[con] = constraint_from_keras(*v, where + ": " + con);
        }
    }
}

json keras_regularizer(const YAML::Node& s, const char* key, bool keras3, const std::string& where)
{
    const YAML::Node r = s[key];
    if (!r.IsDefined() || !r.IsMap()) return nullptr;
    const std::string cls = setting<std::string>(r, "class", "", where);
    const auto factor = [&](const char* k) { return float_for_json(setting<float>(r, k, 0.01f, where)); };
    if (!keras3) {
        // Keras 2 writes every kind as L1L2.
        return {{"class_name", "L1L2"},
                {"config", {{"l1", cls == "l2" ? 0.0 : factor("l1")}, {"l2", cls == "l1" ? 0.0 : factor("l2")}}}};
    }
    if (cls == "l1") return keras3_object("keras.regularizers", "L1", {{"l1", factor("l1")}});
    if (cls == "l2") return keras3_object("keras.regularizers", "L2", {{"l2", factor("l2")}});
    return keras3_object("keras.regularizers", "L1L2", {{"l1", factor("l1")}, {"l2", factor("l2")}});
}

json keras_constraint(const YAML::Node& s, const char* key, bool keras3, const std::string& where)
{
    const YAML::Node c = s[key];
    if (!c.IsDefined() || !c.IsMap()) return nullptr;
    const std::string cls = setting<std::string>(c, "class", "", where);
    // One axis as Keras writes one, a list as a list.
    json axis = 0;
    if (const YAML::Node a = c["axis"]; a.IsDefined() && a.IsSequence()) {
        axis = setting<std::vector<std::int64_t>>(c, "axis", {}, where);
    } else {
        axis = setting<std::int64_t>(c, "axis", 0, where);
    }
    const char* name = nullptr;
    json config = json::object();
    if (cls == "max_norm") {
        name = "MaxNorm";
        config = {{"max_value", float_for_json(setting<float>(c, "max_value", 2.0f, where))}, {"axis", axis}};
    } else if (cls == "non_neg") {
        name = "NonNeg";
    } else if (cls == "unit_norm") {
        name = "UnitNorm";
        config = {{"axis", axis}};
    } else if (cls == "min_max_norm") {
        name = "MinMaxNorm";
        config = {{"min_value", float_for_json(setting<float>(c, "min_value", 0.0f, where))},
                  {"max_value", float_for_json(setting<float>(c, "max_value", 1.0f, where))},
                  {"rate", float_for_json(setting<float>(c, "rate", 1.0f, where))},
                  {"axis", axis}};
    } else {
        throw format_error(where + ": " + key + ": constraint '" + cls + "' has no Keras equivalent");
    }
    if (keras3) return keras3_object("keras.constraints", name, std::move(config));
    return {{"class_name", name}, {"config", std::move(config)}};
}

std::set<std::string> frozen_layers(const model_spec& spec)
{
    std::set<std::string> names;
    for (const layer_spec& l : spec.layers) {
        const YAML::Node t = l.config["trainable"];
        if (t.IsDefined() && t.IsScalar() && t.Scalar() == "false") names.insert(l.name);
    }
    return names;
}

}  // namespace mlrun::interop::keras
