// The optimizers' settings as experiment and model files write them: one
// table of keys per class (Keras's names, defaults and ranges) that
// validates files, checks typed settings and documents both.
#pragma once

#include "config/schema.hpp"
#include "mlrun/optim/optimizer.hpp"

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <vector>

namespace mlrun {

struct optimizer_class {
    std::string name;  // as written in experiments: "adam"
    std::string doc;
    std::vector<key_spec> keys;
    // The settings of a mapping already checked against `keys`.
    optimizer_spec (*decode)(const YAML::Node& config);
};

const std::vector<optimizer_class>& optimizer_classes();

// Parses `compile.optimizer`: a name ("adam") or a mapping of one name to
// its settings ({adam: {learning_rate: 0.01}}). Throws config_error with
// the position in `file`.
optimizer_spec parse_optimizer_spec(const YAML::Node& spec, const std::string& file);

// parse_optimizer_spec, then make_optimizer.
std::unique_ptr<optimizer> make_optimizer(const YAML::Node& spec, const std::string& file);

// The settings as a mapping, every key in the table's order.
YAML::Node encode_optimizer_settings(const optimizer_spec& spec);

}  // namespace mlrun
