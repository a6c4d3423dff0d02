#include "tf_options.hpp"

#include <stdexcept>

namespace mlrun::tf {
namespace {

bool parse_bool(const std::string& key, const std::string& value)
{
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw std::runtime_error("option " + key + ": expected true or false, found '" + value + "'");
}

std::vector<std::string> split_commas(const std::string& list)
{
    std::vector<std::string> items;
    if (list.empty()) return items;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = list.find(',', start);
        items.push_back(list.substr(start, end - start));
        if (end == std::string::npos) return items;
        start = end + 1;
    }
}

}  // namespace

tf_options parse_tf_options(const std::vector<std::pair<std::string, std::string>>& options, bool reading)
{
    tf_options parsed;
    for (const auto& [key, value] : options) {
        if (key == "names") {
            if (value == "mlrun") parsed.names = naming::mlrun;
            else if (value == "tensorflow") parsed.names = naming::tensorflow;
            else throw std::runtime_error("option names: expected mlrun or tensorflow, found '" + value + "'");
        } else if (reading && key == "layer_names") {
            parsed.layer_names = split_commas(value);
        } else if (reading && key == "require_data") {
            parsed.require_data = parse_bool(key, value);
        } else if (!reading && key == "weights_only") {
            // What the host saves already says it (no optimizer tensors); only the value is checked.
            static_cast<void>(parse_bool(key, value));
        } else {
            throw std::runtime_error("unknown option '" + key + "' (tf_checkpoint " +
                                     (reading ? "reads with names, layer_names, require_data" : "writes with names, weights_only") + ")");
        }
    }
    return parsed;
}

}  // namespace mlrun::tf
