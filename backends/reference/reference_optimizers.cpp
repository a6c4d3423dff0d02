// Optimizer updates, in the same arithmetic order Keras uses.
#include "reference_internal.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun::reference {

mlrun_status sgd_update(mlrun_backend*, int64_t n, float lr, float momentum, int32_t nesterov, float* w,
                        const float* g, float* velocity)
{
    if (momentum == 0.0f || velocity == nullptr) {
        for (int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
        return MLRUN_STATUS_OK;
    }
    for (int64_t i = 0; i < n; ++i) {
        velocity[i] = momentum * velocity[i] - lr * g[i];
        w[i] += nesterov ? momentum * velocity[i] - lr * g[i] : velocity[i];
    }
    return MLRUN_STATUS_OK;
}

mlrun_status adam_update(mlrun_backend*, int64_t n, float lr, float beta_1, float beta_2, float epsilon,
                         int64_t t, float* w, const float* g, float* m, float* v, float* vhat)
{
    if (t < 1) return fail(MLRUN_STATUS_INVALID_ARGUMENT, "adam_update: iteration must be >= 1");
    const double step = static_cast<double>(t);
    const float alpha = static_cast<float>(lr * std::sqrt(1.0 - std::pow(beta_2, step)) /
                                           (1.0 - std::pow(beta_1, step)));
    for (int64_t i = 0; i < n; ++i) {
        m[i] = beta_1 * m[i] + (1.0f - beta_1) * g[i];
        v[i] = beta_2 * v[i] + (1.0f - beta_2) * g[i] * g[i];
        float second = v[i];
        if (vhat != nullptr) {
            vhat[i] = std::max(vhat[i], v[i]);
            second = vhat[i];
        }
        w[i] -= alpha * m[i] / (std::sqrt(second) + epsilon);
    }
    return MLRUN_STATUS_OK;
}

mlrun_status rmsprop_update(mlrun_backend*, int64_t n, float lr, float rho, float momentum, float epsilon,
                            float* w, const float* g, float* ms, float* mom, float* mg)
{
    for (int64_t i = 0; i < n; ++i) {
        ms[i] = rho * ms[i] + (1.0f - rho) * g[i] * g[i];
        float denom = ms[i];
        if (mg != nullptr) {
            mg[i] = rho * mg[i] + (1.0f - rho) * g[i];
            denom -= mg[i] * mg[i];
        }
        const float step = lr * g[i] / std::sqrt(denom + epsilon);
        if (mom != nullptr && momentum > 0.0f) {
            mom[i] = momentum * mom[i] + step;
            w[i] -= mom[i];
        } else {
            w[i] -= step;
        }
    }
    return MLRUN_STATUS_OK;
}

}  // namespace mlrun::reference
