// Experiment files that extend others.
//
//     # small.yaml
//     extends: [mnist.yaml]        # or one name; relative to this file
//     fit: {epochs: 2}
//
// A file's own values win over those it extends; with several bases, later
// ones win over earlier ones. Mappings merge key by key; lists and scalars
// replace. A file reached twice (two bases that extend one file) is read
// and merged once, where it is first reached, so a diamond costs what its
// files cost. Overrides from the command line (applied afterwards) beat
// every file.
#pragma once

#include "mlrun/config/config_source.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace mlrun {

struct composed_config {
    YAML::Node root;       // merged, without `extends`
    config_source source;  // which file each key came from
};

// Reads `path` and everything it extends. Throws config_error for a missing
// or unreadable file, a YAML syntax error (file:line:column), an `extends`
// that is not a name or list of names, or a cycle (listing it).
composed_config compose_experiment(const std::string& path);

// Reads one YAML file, turning syntax errors and texts beyond the YAML
// limits (bounded_yaml.hpp) into config_error with the position; an empty
// file, or a path that is not a regular file (a FIFO, a device), is an error.
YAML::Node parse_yaml_file(const std::string& path);

}  // namespace mlrun
