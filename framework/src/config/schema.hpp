// Typed keys: one declaration per key drives parsing, validation, defaults,
// the documentation and the dump of a resolved experiment.
#pragma once

#include "mlrun/config/config_source.hpp"
#include "mlrun/config/key_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun {

// "file:line:column" of a node (1-based), or just "file" when the node has
// no position (defaults, values from the command line).
std::string position(const std::string& file, const YAML::Node& node);

// What errors name as the place of a command-line override: "command line
// argument 'fit.epochs=x'". position() gives it no line:column.
std::string command_line_origin(const std::string& argument);
// Whether an origin (config_source::file_for) is an override, not a file.
bool is_command_line_origin(const std::string& origin);

std::string describe(value_kind kind);

// The closest candidate to `word` by edit distance, if close enough to be a
// likely typo; empty otherwise.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Checks that `value` has the kind (and choice) `key` declares. `path` is the
// dotted key for messages. Throws config_error "file:line:col: path: ...",
// the file being the one `source` says `path` came from.
void check_value(const YAML::Node& value, const key_spec& key, const config_source& source, const std::string& path);

// Checks a mapping (or an absent/null node, read as empty) against `keys`
// and returns a new mapping with every declared key, in declaration order,
// defaults filled in. An unknown key is an error with a suggestion.
YAML::Node check_keys(const YAML::Node& node, const std::vector<key_spec>& keys, const config_source& source,
                      const std::string& path);

}  // namespace mlrun
