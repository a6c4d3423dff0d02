// Every YAML text mlrun reads (experiment files, metadata inside
// checkpoints, the yaml format's files) is parsed through here, so no input
// can nest deep enough to exhaust the stack or use aliases to expand a few
// bytes into gigabytes (the "billion laughs").
//
// The limits are checked on the parser's events before a tree is built; a
// text within them loads exactly as YAML::Load would load it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <istream>
#include <string>

namespace mlrun {

// Mappings and sequences nested inside one another, the document's own
// included. mlrun's deepest files (Keras model configs) nest about 10.
constexpr std::size_t yaml_max_depth = 100;

// Nodes that aliases may add in total: each `*name` adds as many nodes as
// its anchor's value has (counting aliases inside it, so nested aliases
// multiply). Sharing a small block a few times stays far below this.
constexpr std::size_t yaml_max_alias_nodes = 100000;

// A YAML text beyond one of the limits; a ParserException so that every
// reader's handling of YAML errors reports it with its position.
class yaml_limit_error : public YAML::ParserException {
public:
    yaml_limit_error(const YAML::Mark& mark, const std::string& message) : YAML::ParserException(mark, message) {}
};

// YAML::Load with the limits above; throws yaml_limit_error beyond them
// and YAML::ParserException for a syntax error.
YAML::Node load_bounded_yaml(const std::string& text);
YAML::Node load_bounded_yaml(std::istream& in);

}  // namespace mlrun
