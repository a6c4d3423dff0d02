// Regularizers, constraints and the trainable flag, between Keras layer
// configs and mlrun's layer configuration:
//
//     Keras 3:   {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, ...}
//     Keras 2:   {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}}
//     mlrun:     {class: l2, l2: 0.01}
//
// Constraints are MaxNorm, NonNeg, UnitNorm and MinMaxNorm in every
// version (Keras 3 adds module "keras.constraints").
#pragma once

#include "interop/keras/model_config.hpp"

#include <initializer_list>
#include <set>
#include <string>

namespace mlrun::interop::keras {

// Reads each weight's `<w>_regularizer` and `<w>_constraint` (Keras 1's
// W_/b_ too for "kernel"/"bias") and, with `activity`, activity_regularizer
// into `out`; format_error naming the setting for a class mlrun does not
// have, or an activity regularizer on a layer that takes none.
void read_weight_penalties(const json& config, std::initializer_list<const char*> weights, bool activity,
                           const std::string& where, YAML::Node& out);

// The Keras settings of the mlrun configuration `s`: null when unset.
json keras_regularizer(const YAML::Node& s, const char* key, bool keras3, const std::string& where);
json keras_constraint(const YAML::Node& s, const char* key, bool keras3, const std::string& where);

// The names of the layers whose configuration says trainable: false, from
// the architecture a staged file carries (empty when it has none).
std::set<std::string> frozen_layers(const model_spec& spec);

}  // namespace mlrun::interop::keras
