// Optimizer settings as values, with Keras's names and defaults. An
// optimizer is made from one (make_optimizer) and reports it back
// (optimizer::config()).
#pragma once

#include <variant>

namespace mlrun {

// keras.optimizers.Adam.
struct adam_options {
    float learning_rate = 0.001f;
    float beta_1 = 0.9f;
    float beta_2 = 0.999f;
    float epsilon = 1e-7f;
    bool amsgrad = false;
};

// keras.optimizers.SGD, with optional (Nesterov) momentum.
struct sgd_options {
    float learning_rate = 0.01f;
    float momentum = 0.0f;
    bool nesterov = false;
};

// keras.optimizers.RMSprop.
struct rmsprop_options {
    float learning_rate = 0.001f;
    float rho = 0.9f;
    float momentum = 0.0f;
    float epsilon = 1e-7f;
    bool centered = false;
};

using optimizer_spec = std::variant<adam_options, sgd_options, rmsprop_options>;

}  // namespace mlrun
