// mlrun's tensor names <-> the object-based names tf.keras 2.x gives a
// Sequential (or Functional) model's variables in a TensorFlow checkpoint.
//
//   dense/kernel                  layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE
//   optimizer/iterations          optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE
//   optimizer/dense/kernel/m      layer_with_weights-0/kernel/.OPTIMIZER_SLOT/optimizer/m/.ATTRIBUTES/VARIABLE_VALUE
//
// plus the `_CHECKPOINTABLE_OBJECT_GRAPH` that TensorFlow's object-based
// restore (model.load_weights) walks to match those keys to live objects.
// The graph has the shape tf.keras (TF 2.4 - 2.10, legacy optimizers)
// writes: spec §6.3-6.4.
#pragma once

#include "proto/trackable_object_graph.pb.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace mlrun::tf {

inline constexpr const char* object_graph_key = "_CHECKPOINTABLE_OBJECT_GRAPH";

// Escapes one local name for a key path: '.' -> '..', '/' -> '.S'.
std::string escape_local_name(const std::string& name);
std::string unescape_local_name(const std::string& name);

// What the writer knows about the model besides its tensors.
struct model_outline {
    std::vector<std::string> layers;  // every layer in model order (weightless ones too)
    std::string optimizer_class;      // "Adam", "SGD", "RMSprop"; "" when unknown
    // The legacy optimizer's hyperparameter variables (beta_1, decay,
    // learning_rate, ...) with their values, in the order tf.keras creates them.
    std::vector<std::pair<std::string, float>> hyperparameters;
};

struct keras_layout {
    std::vector<std::string> keys;                // the bundle key of each input name, same order
    std::vector<std::string> hyperparameter_keys;  // the key of each outline hyperparameter
    std::string object_graph;                      // serialized TrackableObjectGraph; "" when no
                                                   // name was recognised (a name-based bundle)
};

// Names every tensor of an mlrun checkpoint. Names that are neither a
// weight, the iteration counter nor an optimizer slot keep their own name
// and stay out of the object graph (TensorFlow ignores such keys).
keras_layout plan_keras_layout(const std::vector<std::string>& names, const model_outline& outline);

// The reverse: what each key of a TensorFlow bundle is called in mlrun.
struct keras_mapping {
    std::map<std::string, std::string> names;  // bundle key -> mlrun name (weights, iterations, slots)
    std::set<std::string> hyperparameters;     // optimizer settings stored as variables
    std::set<std::string> non_variables;       // object attributes that are not variables (configs, iterators)
    std::string model_path;                    // "" (the model is the root) or e.g. "net"
};

// Finds the Keras model in `graph` (the root, or one child of it such as
// `net` in tf.train.Checkpoint(net=model)) and maps its layers by path:
// layer_with_weights-k is the k-th weighted layer, named layer_names[k]
// when given, else after its variables' full names (dense_3/kernel ->
// dense_3). Slots map through the optimizer's slot_variables (legacy
// optimizers) or its _momentums/_velocities lists (Keras 2.11+ optimizers,
// read as Adam's m and v). Handles cycles.
keras_mapping map_keras_keys(const TrackableObjectGraph& graph, const std::vector<std::string>& layer_names);

}  // namespace mlrun::tf
