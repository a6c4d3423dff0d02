#include "callbacks/callback_state_yaml.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"

#include <yaml-cpp/yaml.h>

namespace mlrun {
namespace {

std::string found(const YAML::Node& node)
{
    return node.IsScalar() ? "'" + node.Scalar() + "'" : std::string(node.IsSequence() ? "a list" : "a structure");
}

void read_states(const YAML::Node& all, const std::string& source, callback_states& states)
{
    if (!all.IsMap()) throw config_error(source + ": callbacks: expected a mapping of callback states, found " + found(all));
    for (const auto& entry : all) {
        const std::string owner = entry.first.as<std::string>();
        if (entry.second.IsNull()) continue;
        if (!entry.second.IsMap()) {
            throw config_error(source + ": callbacks." + owner + ": expected a mapping of numbers, found " +
                               found(entry.second));
        }
        callback_state& state = states[owner];
        for (const auto& value : entry.second) {
            const std::string key = value.first.as<std::string>();
            double number = 0.0;
            if (!value.second.IsScalar() || !YAML::convert<double>::decode(value.second, number)) {
                throw config_error(source + ": callbacks." + owner + "." + key + ": expected a number, found " +
                                   found(value.second));
            }
            state[key] = number;
        }
    }
}

}  // namespace

std::string format_callback_states(const callback_states& states)
{
    YAML::Node all(YAML::NodeType::Map);
    for (const auto& [owner, state] : states) {
        YAML::Node mine(YAML::NodeType::Map);
        for (const auto& [key, value] : state) mine[key] = value;
        all[owner] = mine;
    }
    return YAML::Dump(all);
}

callback_states parse_callback_states(const std::string& text, const std::string& source)
{
    YAML::Node all;
    try {
        all = load_bounded_yaml(text);
    } catch (const YAML::Exception& e) {
        throw config_error(source + ": callbacks: not YAML: " + e.msg);
    }
    callback_states states;
    if (!all.IsDefined() || all.IsNull()) return states;
    try {
        read_states(all, source, states);
    } catch (const YAML::Exception& e) {
        throw config_error(source + ": callbacks: expected names as keys: " + e.msg);
    }
    return states;
}

}  // namespace mlrun
