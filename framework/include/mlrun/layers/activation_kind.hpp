// The activations a layer can apply, by their Keras names.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

#include <string>
#include <vector>

namespace mlrun {

enum class activation_kind { linear, relu, sigmoid, tanh, softmax };

// Throws config_error listing the known names.
activation_kind parse_activation(const std::string& name);
std::string activation_name(activation_kind kind);
std::vector<std::string> activation_names();

class backend;
class tensor;

// y = f(x) over a [rows, cols] tensor; y may alias x.
void apply_activation(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols, const float* x,
                      float* y);
// dx = dy * f'(x) from y = f(x); dx may alias dy.
void apply_activation_gradient(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols,
                               const float* y, const float* dy, float* dx);

}  // namespace mlrun
