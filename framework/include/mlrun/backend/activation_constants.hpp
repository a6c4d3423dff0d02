// Keras 3's activation constants (keras.activations): what every backend
// computes and what an exported graph must compute too.
#pragma once

namespace mlrun::activation_constants {

constexpr float selu_alpha = 1.67326324235437728481704299167f;
constexpr float selu_scale = 1.05070098735548049341933498529f;
constexpr float leaky_relu_slope = 0.2f;
constexpr float gelu_tanh_coefficient = 0.044715f;
constexpr double pi = 3.14159265358979323846;

}  // namespace mlrun::activation_constants
