// A checkpoint as a TF.js Layers model and back. The architecture and
// compile settings go through mlrun's Keras translation
// (mlrun/interop/keras): TF.js's modelTopology is a Keras model config and
// its trainingConfig a Keras training config, with TF.js's own spelling of
// optimizer settings and losses (learningRate, sparseCategoricalCrossentropy)
// read too. Weights keep mlrun's names ("dense/kernel"); optimizer state
// is the manifest's "optimizer" group in TF.js's order: "iter", then each
// slot for every trainable weight ("dense/kernel/m", ...).
#pragma once

#include "model_directory.hpp"
#include "weight_codec.hpp"

#include "interop/keras/staged_checkpoint.hpp"

#include <string>
#include <vector>

namespace mlrun::tfjs {

using interop::keras::staged_checkpoint;

struct export_options {
    bool weights_only = false;  // leave the optimizer state and compile settings out
    quantization quantize = quantization::none;
};

// The model.json contents and the weights' bytes (one manifest group).
struct exported_model {
    model_artifacts artifacts;
    std::vector<std::vector<unsigned char>> group_bytes;
};

// Translates `ckpt`, which must hold the architecture (model_config). A
// layer or setting the Keras translation (and so TF.js) has no counterpart
// for is a format_error naming the layer.
exported_model export_model(const staged_checkpoint& ckpt, const export_options& options);

// Reads a model as tfjs-layers (model.save), the converter or mlrun wrote
// it. An architecture or training config mlrun cannot translate is kept
// as the reason (metadata model_config_error, training_config_error), so
// the weights can still be inspected; bad weights are a format_error
// naming `where`, the weight and what was expected.
staged_checkpoint import_model(const model_files& files, const std::string& where);

}  // namespace mlrun::tfjs
