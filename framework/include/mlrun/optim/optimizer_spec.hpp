// Optimizer settings as values, with Keras's names and defaults. An
// optimizer is made from one (make_optimizer) and reports it back
// (optimizer::config()).
#pragma once

#include <cstdint>
#include <variant>

namespace mlrun {

// The options every Keras optimizer takes (keras.optimizers.Optimizer), as
// Keras 3 applies them in each step: the gradients clipped (at most one of
// clipnorm, clipvalue, global_clipnorm), then w -= learning_rate *
// weight_decay * w, then the optimizer's own update, then the moving
// average of the weights updated. 0 stands for Keras's None (off).
struct optimizer_common {
    float weight_decay = 0.0f;
    float clipnorm = 0.0f;         // each gradient scaled to a norm of at most this
    float clipvalue = 0.0f;        // each gradient element clipped to [-clipvalue, clipvalue]
    float global_clipnorm = 0.0f;  // all gradients scaled together to a joint norm of at most this
    bool use_ema = false;          // keep an exponential moving average of the weights ("average" slot)
    float ema_momentum = 0.99f;
    std::int64_t ema_overwrite_frequency = 0;  // copy the average into the weights every this many steps
};

inline optimizer_common with_weight_decay(float weight_decay)
{
    optimizer_common c;
    c.weight_decay = weight_decay;
    return c;
}

// keras.optimizers.Adam.
struct adam_options {
    float learning_rate = 0.001f;
    float beta_1 = 0.9f;
    float beta_2 = 0.999f;
    float epsilon = 1e-7f;
    bool amsgrad = false;
    optimizer_common common;
};

// keras.optimizers.AdamW: Adam with weight decay on (Keras 3 defines it as
// Adam whose weight_decay defaults to 0.004).
struct adamw_options {
    float learning_rate = 0.001f;
    float beta_1 = 0.9f;
    float beta_2 = 0.999f;
    float epsilon = 1e-7f;
    bool amsgrad = false;
    optimizer_common common = with_weight_decay(0.004f);
};

// keras.optimizers.SGD, with optional (Nesterov) momentum.
struct sgd_options {
    float learning_rate = 0.01f;
    float momentum = 0.0f;
    bool nesterov = false;
    optimizer_common common;
};

// keras.optimizers.RMSprop.
struct rmsprop_options {
    float learning_rate = 0.001f;
    float rho = 0.9f;
    float momentum = 0.0f;
    float epsilon = 1e-7f;
    bool centered = false;
    optimizer_common common;
};

// keras.optimizers.Nadam: Adam with Nesterov momentum (Dozat's momentum
// schedule, u_t = beta_1 (1 - 0.5 * 0.96^t)).
struct nadam_options {
    float learning_rate = 0.001f;
    float beta_1 = 0.9f;
    float beta_2 = 0.999f;
    float epsilon = 1e-7f;
    optimizer_common common;
};

// keras.optimizers.Adagrad: the step divided by the root of all past
// squared gradients.
struct adagrad_options {
    float learning_rate = 0.001f;
    float initial_accumulator_value = 0.1f;
    float epsilon = 1e-7f;
    optimizer_common common;
};

// keras.optimizers.Adadelta: steps scaled by the ratio of running RMS of
// past steps and of gradients.
struct adadelta_options {
    float learning_rate = 0.001f;
    float rho = 0.95f;
    float epsilon = 1e-7f;
    optimizer_common common;
};

// keras.optimizers.Adamax: Adam with the infinity norm in place of the
// second moment.
struct adamax_options {
    float learning_rate = 0.001f;
    float beta_1 = 0.9f;
    float beta_2 = 0.999f;
    float epsilon = 1e-7f;
    optimizer_common common;
};

// The order is the key table's (optimizer_classes()): append only.
using optimizer_spec = std::variant<adam_options, sgd_options, rmsprop_options, adamw_options, nadam_options,
                                    adagrad_options, adadelta_options, adamax_options>;

}  // namespace mlrun
