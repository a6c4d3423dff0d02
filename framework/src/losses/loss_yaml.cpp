#include "losses/loss_yaml.hpp"

#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"

#include <limits>

namespace mlrun {

std::vector<key_spec> loss_keys(loss_kind kind)
{
    std::vector<key_spec> keys;
    if (takes_from_logits(kind)) {
        keys.push_back({"from_logits", value_kind::boolean, "false", "the prediction is logits, not probabilities"});
    }
    if (takes_label_smoothing(kind)) {
        keys.push_back(with_range({"label_smoothing", value_kind::number, "0",
                                   "targets t become t (1 - s) + s / classes (binary: s / 2)"},
                                  {0, false, 1, false}));
    }
    if (takes_delta(kind)) {
        keys.push_back(with_range({"delta", value_kind::number, "1.0",
                                   "errors up to delta are squared (0.5 e^2), larger ones count linearly"},
                                  {0, true, std::numeric_limits<double>::infinity(), false}));
    }
    if (takes_axis(kind)) {
        keys.push_back(with_range({"axis", value_kind::integer, "-1", "the axis of the vectors compared (only -1)"},
                                  {-1, false, -1, false}));
    }
    return keys;
}

loss_spec parse_loss_spec(const YAML::Node& node, const std::string& file)
{
    std::string name;
    YAML::Node settings;
    if (node.IsScalar()) {
        name = node.Scalar();
    } else if (node.IsMap() && node.size() == 1) {
        name = node.begin()->first.Scalar();
        settings = node.begin()->second;
    } else {
        throw config_error(position(file, node) +
                           ": compile.loss: expected a name such as 'mse' or a mapping such as "
                           "'{categorical_crossentropy: {label_smoothing: 0.1}}'");
    }
    loss_spec spec;
    try {
        spec.kind = parse_loss(name);
    } catch (const config_error& e) {
        const std::string hint = did_you_mean(name, loss_names());
        throw config_error(position(file, node) + ": compile.loss: " + e.what() +
                           (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    const YAML::Node c = check_keys(settings, loss_keys(spec.kind), file, "compile.loss." + name);
    if (takes_from_logits(spec.kind)) spec.from_logits = c["from_logits"].as<bool>();
    if (takes_label_smoothing(spec.kind)) spec.label_smoothing = c["label_smoothing"].as<float>();
    if (takes_delta(spec.kind)) spec.delta = c["delta"].as<float>();
    if (takes_axis(spec.kind)) spec.axis = c["axis"].as<int>();
    try {
        check_loss_spec(spec);
    } catch (const config_error& e) {
        throw config_error(position(file, node) + ": compile.loss: " + e.what());
    }
    return spec;
}

YAML::Node encode_loss_spec(const loss_spec& spec)
{
    const std::string name = loss_name(spec.kind);
    if (!spec.from_logits && spec.label_smoothing == 0.0f && spec.delta == 1.0f && spec.axis == -1) {
        return YAML::Node(name);
    }
    YAML::Node settings;
    if (takes_from_logits(spec.kind)) settings["from_logits"] = spec.from_logits;
    if (takes_label_smoothing(spec.kind)) settings["label_smoothing"] = shortest_text(spec.label_smoothing);
    if (takes_delta(spec.kind)) settings["delta"] = shortest_text(spec.delta);
    if (takes_axis(spec.kind)) settings["axis"] = spec.axis;
    YAML::Node node;
    node[name] = settings;
    return node;
}

std::string loss_text(const loss_spec& spec)
{
    YAML::Emitter out;
    out << YAML::Flow << encode_loss_spec(spec);
    return out.c_str();
}

loss_spec parse_loss_text(const std::string& text, const std::string& where)
{
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_error(where + ": loss '" + text + "' is not readable: " + e.msg);
    }
    return parse_loss_spec(node, where);
}

}  // namespace mlrun
