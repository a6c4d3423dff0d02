// Weight and optimizer-state names, between each Keras generation's
// conventions and the framework's canonical names ("dense/kernel",
// "optimizer/iterations", "optimizer/dense/kernel/m").
#pragma once

#include "interop/keras/training_config.hpp"
#include "interop/keras/staged_checkpoint.hpp"

#include <set>
#include <string>
#include <vector>

namespace mlrun::interop::keras {

// The canonical name of weight `keras_name` of layer `layer`. Accepts
// "dense_1/kernel:0" (Keras 2, tf.keras), "dense_1_1/kernel:0" (graph-mode
// uniquified scope), "dense_1_W:0" (Keras 1) and "seq/dense_9/kernel"
// (Keras 3 variable paths): the layer is always the group's name.
std::string canonical_weight_name(const std::string& layer, const std::string& keras_name, const std::string& where);

// Whether the optimizer updates this weight (BatchNormalization's moving
// statistics are the non-trainable weights of the layers mlrun reads).
bool is_trainable_weight(const std::string& canonical_name);
// The same, with the weights of the layers in `frozen` (trainable: false)
// not trainable either: they have no optimizer state.
bool is_trainable_weight(const std::string& canonical_name, const std::set<std::string>& frozen);
// The frozen layers of the architecture `ckpt` carries (its model_config
// metadata); empty without one.
std::set<std::string> frozen_layers_of(const staged_checkpoint& ckpt);

// Names the optimizer tensors of a file (in the file's order, each named
// as the file names it) canonically. Keras restores optimizer state by
// position, so this does too: the iteration counter first, then each slot's
// tensors in the order of `weights` (the trainable weights, in model
// order). Slot kinds are read from the names where Keras put them there
// (".../m:0", "m_0_1:0", "..._momentum"), else from the position of each
// block. Every tensor must fit its weight's shape. Keras 3's stored
// learning rate is dropped (training_config has it).
std::vector<staged_tensor> optimizer_state_from_keras(std::vector<staged_tensor> tensors,
                                                      const std::vector<const staged_tensor*>& weights,
                                                      const compile_spec& compile, const std::string& where);

}  // namespace mlrun::interop::keras
