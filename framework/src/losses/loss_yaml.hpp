// The YAML encoding of a loss_spec: `compile.loss` of an experiment file and
// the loss metadata of checkpoints. A name ("mse") or a mapping of one name
// to its settings ({binary_crossentropy: {from_logits: true}}).
#pragma once

#include "config/schema.hpp"
#include "mlrun/losses/loss_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun {

// The settings a loss takes, as Keras's class names them (none for most).
std::vector<key_spec> loss_keys(loss_kind kind);

// Throws config_error "file:line:column: compile.loss: ..." for an unknown
// name (with a suggestion) or setting.
loss_spec parse_loss_spec(const YAML::Node& node, const std::string& file);

// The name alone when every setting is Keras's default, else the mapping.
YAML::Node encode_loss_spec(const loss_spec& spec);

}  // namespace mlrun
