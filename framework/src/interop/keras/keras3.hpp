// What Keras 3 writes where tf.keras 2.x wrote otherwise: its model and
// compile configs (DTypePolicy objects, `batch_shape`, `module` and
// `registered_name` in .keras archives), the keys of its weights files
// ("dense", "dense_1" per class) and its optimizer variables ("iteration",
// "learning_rate", then the slots as its optimizers create them).
#pragma once

#include "interop/keras/model_config.hpp"
#include "interop/keras/staged_checkpoint.hpp"
#include "interop/keras/training_config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mlrun::interop::keras {

// The Keras version mlrun writes Keras 3 files as: the layout and configs
// of the keras3.8.0 fixtures.
inline constexpr const char* keras3_written_version = "3.8.0";

// Which form of the model config: a legacy .h5's `model_config` attribute,
// or a .keras archive's config.json (each object with `module` and
// `registered_name`, layers with their `build_config`).
enum class keras3_form { legacy_h5, archive };

// The model config Keras 3 writes for this architecture. Refuses, naming
// the layer, a model with no Keras 3 form here (graph models, whose Keras 3
// node format mlrun does not write; a class with no Keras translation).
json keras3_model_config(const model_spec& spec, keras3_form form);

// The compile settings as Keras 3 writes them: `training_config` of a
// legacy .h5 (`optimizer_config`, optimizer without module) or the
// archive's `compile_config` (`optimizer`). mlrun's own state rides along
// under "mlrun", as in keras_training_config.
json keras3_training_config(const compile_spec& spec);
json keras3_compile_config(const compile_spec& spec);

// The key of each layer in a Keras 3 weights file, in Keras's order
// (keras_layer_names): the snake_case class, numbered from the second of a
// class ("dense", "dense_1", "dropout"). Paired with the layer names.
std::vector<std::pair<std::string, std::string>> keras3_layer_keys(const model_spec& spec);

// The model's name, the first part of every Keras 3 variable path
// ("sequential/dense/kernel"): its own, else Keras 3's default.
std::string keras3_model_name(const model_spec& spec);

// The learning rate Keras 3 keeps among the optimizer's variables: a
// float32 scalar from the compile settings.
staged_tensor keras3_learning_rate(const compile_spec& spec);

// Nadam's u_product, which Keras 3 keeps among the optimizer's variables
// (after the learning rate) and mlrun recomputes from the iteration count:
// a float32 scalar, the product over steps 1..iterations of beta_1 (1 -
// 0.5 * 0.96^step). Null for other optimizers.
std::unique_ptr<staged_tensor> keras3_u_product(const compile_spec& spec, const staged_tensor& iterations);

// The optimizer's name in Keras 3 paths: "adam", "sgd", "rmsprop".
std::string keras3_optimizer_name(const compile_spec& spec);

// Whether Keras 3 creates this optimizer's slots weight by weight (Adam's
// momentum and velocity of each weight together) rather than slot by slot.
bool keras3_slots_interleaved(const std::string& optimizer_class);

// The optimizer variables after "iteration" and "learning_rate", in the
// order Keras 3's optimizers create them for `weights` (the trainable
// weights in model order, canonical names): Adam momentum and velocity
// per weight, then every velocity_hat; Nadam, Adadelta and Adamax their slots
// per weight; SGD, RMSprop and Adagrad one block per slot.
// Each entry: the canonical tensor name ("optimizer/dense/kernel/m") and
// the Keras 3 slot word ("momentum").
std::vector<std::pair<std::string, std::string>> keras3_optimizer_variables(const std::vector<std::string>& weights,
                                                                           const compile_spec& spec);

}  // namespace mlrun::interop::keras
