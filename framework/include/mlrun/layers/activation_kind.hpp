// The activations a layer can apply, by their Keras names, with Keras 3's
// definitions (keras.activations). Two differ from Keras 2 (tf.keras):
// hard_sigmoid is relu6(x + 3) / 6 (Keras 2: clip(0.2 x + 0.5, 0, 1), kept
// as hard_sigmoid_keras2 so tf.keras 2.x files compute what they meant) and
// leaky_relu's slope is 0.2 as in both. gelu is the exact form; gelu_tanh
// is Keras's gelu(approximate=True) (TensorFlow.js's "gelu_new").
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <string>
#include <vector>

namespace mlrun {

enum class activation_kind {
    linear, relu, sigmoid, tanh, softmax,
    elu, selu, gelu, gelu_tanh, leaky_relu, relu6, silu, softplus, softsign, hard_sigmoid, exponential, mish,
    log_softmax,  // over the last axis, as softmax: x - log(sum(exp(x)))
    hard_sigmoid_keras2  // tf.keras 2.x's (and TensorFlow.js's) hard_sigmoid: clip(0.2 x + 0.5, 0, 1)
};

// Throws config_error listing the known names.
activation_kind parse_activation(const std::string& name);
std::string activation_name(activation_kind kind);
std::vector<std::string> activation_names();

class backend;
class tensor;

// y = f(x) over a [rows, cols] tensor; y may alias x.
void apply_activation(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols, const float* x,
                      float* y);
// dx = dy * f'(x) from the input x and the output y = f(x) (each kernel
// reads the one it needs); dx may alias dy.
void apply_activation_gradient(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols,
                               const float* x, const float* y, const float* dy, float* dx);

}  // namespace mlrun
