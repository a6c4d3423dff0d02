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

std::uint64_t parse_count(const std::string& key, const std::string& value, std::uint64_t highest)
{
    std::uint64_t n = 0;
    if (value.empty() || value.size() > 19 || value.find_first_not_of("0123456789") != std::string::npos ||
        (n = std::stoull(value)) > highest) {
        throw std::runtime_error("option " + key + ": expected a whole number from 0 to " + std::to_string(highest) +
                                 ", found '" + value + "'");
    }
    return n;
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
        } else if (!reading && key == "shard") {
            parsed.shard = static_cast<int>(parse_count(key, value, 99998));
        } else if (!reading && key == "shards") {
            parsed.shards = static_cast<int>(parse_count(key, value, 99999));
        } else if (!reading && key == "sharded_bytes") {
            parsed.sharded_bytes = parse_count(key, value, std::uint64_t(1) << 62);
        } else if (!reading && key == "weights_only") {
            // What the host saves already says it (no optimizer tensors); only the value is checked.
            static_cast<void>(parse_bool(key, value));
        } else {
            throw std::runtime_error("unknown option '" + key + "' (tf_checkpoint " +
                                     (reading ? "reads with names, layer_names, require_data"
                                              : "writes with names, weights_only, shard, shards, sharded_bytes") + ")");
        }
    }
    if (parsed.shards < 1 || parsed.shard >= parsed.shards) {
        throw std::runtime_error("options shard and shards: expected shard from 0 to shards - 1, found shard " +
                                 std::to_string(parsed.shard) + " of " + std::to_string(parsed.shards));
    }
    return parsed;
}

}  // namespace mlrun::tf
