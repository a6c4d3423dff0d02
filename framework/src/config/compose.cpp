#include "config/compose.hpp"

#include "config/bounded_yaml.hpp"
#include "config/schema.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/regular_file.hpp"

#include <boost/filesystem/operations.hpp>

#include <algorithm>
#include <fstream>
#include <set>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

// Copies `overlay` into `base` (both mappings); records where each value
// written came from.
void merge_into(YAML::Node base, const YAML::Node& overlay, const std::string& path, const std::string& file,
                config_source& source)
{
    for (const auto& item : overlay) {
        const std::string key = item.first.Scalar();
        const std::string key_path = path.empty() ? key : path + "." + key;
        YAML::Node existing = base[key];
        if (existing.IsMap() && item.second.IsMap()) {
            merge_into(existing, item.second, key_path, file, source);
            continue;
        }
        base[key] = item.second;
        source.set_origin(key_path, file);
    }
}

std::vector<std::string> bases_of(const YAML::Node& root, const std::string& file)
{
    const YAML::Node extends = root["extends"];
    if (!extends.IsDefined() || extends.IsNull()) return {};
    if (extends.IsScalar()) return {extends.Scalar()};
    key_spec spec{"extends", value_kind::string_list, "", "files this one extends"};
    check_value(extends, spec, file, "extends");
    return extends.as<std::vector<std::string>>();
}

// The files being read, outermost first (for cycles), and every file
// already merged (so a file reached again, as in a diamond, is read once).
struct compose_walk {
    std::vector<std::string> chain;
    std::set<std::string> merged_files;
};

void compose(const std::string& path, compose_walk& walk, YAML::Node& merged, config_source& source)
{
    boost::system::error_code ec;
    const std::string identity = fs::weakly_canonical(path, ec).string();
    std::vector<std::string>& chain = walk.chain;
    if (std::find(chain.begin(), chain.end(), identity) != chain.end()) {
        std::string cycle;
        for (const std::string& f : chain) cycle += f + " extends ";
        throw config_error(path + ": files extend each other in a cycle: " + cycle + identity);
    }
    if (!walk.merged_files.insert(identity).second) return;
    chain.push_back(identity);
    YAML::Node root = parse_yaml_file(path);
    if (!root.IsMap()) throw config_error(position(path, root) + ": an experiment file is a mapping of sections");
    const fs::path directory = fs::path(path).parent_path();
    for (const std::string& base : bases_of(root, path)) {
        const fs::path base_path = fs::path(base).is_absolute() ? fs::path(base) : directory / base;
        compose(base_path.string(), walk, merged, source);
    }
    root.remove("extends");
    if (merged.size() == 0) {
        // The first file read becomes the tree itself, so its keys keep
        // their line and column; keys merged in later carry only their
        // values' positions.
        merged.reset(root);
        for (const auto& item : root) source.set_origin(item.first.Scalar(), path);
    } else {
        merge_into(merged, root, "", path, source);
    }
    chain.pop_back();
}

}  // namespace

YAML::Node parse_yaml_file(const std::string& path)
{
    const std::string kind = non_regular_kind(path);
    if (!kind.empty()) throw config_error(non_regular_message(path, kind));
    std::ifstream in(path);
    if (!in) {
        const bool exists = fs::exists(path);
        throw config_error(path + ": " + (exists ? "cannot be read" : "no such experiment file"));
    }
    try {
        YAML::Node root = load_bounded_yaml(in);
        if (root.IsNull()) throw config_error(path + ": the file is empty");
        return root;
    } catch (const YAML::Exception& e) {
        throw config_error(path + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                           ": YAML syntax error: " + e.msg);
    }
}

composed_config compose_experiment(const std::string& path)
{
    composed_config result{YAML::Node(YAML::NodeType::Map), config_source(path)};
    compose_walk walk;
    compose(path, walk, result.root, result.source);
    return result;
}

}  // namespace mlrun
