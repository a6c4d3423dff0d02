// Which weights of a layer class take a regularizer and a constraint, under
// Keras's key names: a view into the typed fields of its options, so that
// the layers, the schema, the YAML codec and the checks walk one list.
//
//     Dense, Conv1D/2D, Conv2DTranspose: kernel, bias (+ activity_regularizer)
//     DepthwiseConv2D: depthwise (depthwise_kernel), bias (+ activity)
//     SeparableConv2D: depthwise, pointwise (pointwise_kernel), bias (+ activity)
//     BatchNormalization, LayerNormalization: beta, gamma
//     Embedding: embeddings (+ activity); PReLU: alpha
#pragma once

#include "mlrun/config/key_spec.hpp"
#include "mlrun/layers/layer_spec.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mlrun {

struct penalized_weight {
    const char* stem;       // the keys stem + "_regularizer" and stem + "_constraint"
    const char* parameter;  // the layer's weight they apply to ("depthwise_kernel")
    std::optional<regularizer_spec>* regularizer;
    std::optional<constraint_spec>* constraint;
};

struct weight_penalties_view {
    std::vector<penalized_weight> weights;  // empty: the class takes none
    std::optional<regularizer_spec>* activity = nullptr;  // null: no activity_regularizer
};

// Pointers into `options` (valid while it lives).
weight_penalties_view penalties_of(layer_options& options);
weight_penalties_view penalties_of(weight_regularization& w);

// The schema keys of a built-in class's penalties (none for other names).
std::vector<key_spec> weight_penalty_keys(const std::string& class_name);

// Refuses values Keras would refuse, naming `where` and the key
// ("layer 'bn': gamma_regularizer.l2: expected a number >= 0, found -1").
void check_weight_penalties(const weight_penalties_view& view, const std::string& where);

}  // namespace mlrun
