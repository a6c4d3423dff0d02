// model.json of the TF.js Layers format, as tfjs-layers and the TF.js
// converter write it: `format` "layers-model", `generatedBy`,
// `convertedBy`, `modelTopology` (the Keras model config), optionally
// `trainingConfig` (the Keras training config) and `userDefinedMetadata`,
// and `weightsManifest`: groups of shard files, each holding its weights
// back to back in manifest order.
#pragma once

#include "weight_codec.hpp"

#include "interop/keras/json.hpp"

#include <string>
#include <vector>

namespace mlrun::tfjs {

using interop::keras::json;

inline constexpr const char* layers_model_format = "layers-model";

struct weight_group {
    std::vector<std::string> paths;  // shard file names, relative to model.json's directory
    std::vector<manifest_weight> weights;

    std::uint64_t stored_bytes() const;
};

struct model_artifacts {
    std::string generated_by;
    std::string converted_by;
    json topology;         // the Keras model config: {"class_name": ..., "config": ...}
    json training_config;  // null when the model was saved uncompiled
    json user_metadata;    // null when absent
    std::vector<weight_group> manifest;
};

// Parses and checks model.json's text; `where` names the file. Every
// problem is a format_error naming the file, the weight or shard and what
// was expected: a graph model, a missing key, a shard path that leaves the
// directory, a dtype TF.js does not have or mlrun cannot hold, a shape
// that is not a list of sizes, a quantization without its scale.
model_artifacts parse_model_json(const std::string& text, const std::string& where);

// model.json's text for `artifacts`, keys in the converter's order.
std::string model_json_text(const model_artifacts& artifacts);

// Shard names as the converter makes them: group1-shard1of3.bin, ...
std::string shard_name(std::size_t group, std::size_t shard, std::size_t shards);

}  // namespace mlrun::tfjs
