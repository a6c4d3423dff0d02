// The per-sample shape after each layer of a Sequential model, which a
// Keras 3 archive needs for the next layer's build_config (the input shape
// Keras 3 builds a layer's weights for).
#pragma once

#include "interop/keras/model_config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::interop::keras {

// The shape (without the batch axis) `layer` makes of `shape`, as Keras 3's
// compute_output_shape gives it. `keras` is the layer's Keras config
// (keras_layer_config: windows, strides and dilations as full tuples).
// format_error naming `where` for an input the layer cannot take (a window
// larger than a valid-padded input, images where a sequence is needed).
std::vector<std::int64_t> keras3_output_shape(const layer_spec& layer, const json& keras, std::vector<std::int64_t> shape,
                                              const std::string& where);

}  // namespace mlrun::interop::keras
