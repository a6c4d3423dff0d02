#include "mlrun/optim/optimizers.hpp"

#include "mlrun/backend/backend.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun {

// ---- Adam

adam_optimizer::adam_optimizer(const adam_options& o)
    : optimizer(o.learning_rate, o.common), beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon),
      amsgrad_(o.amsgrad)
{
}

adam_optimizer::adam_optimizer(const adamw_options& o)
    : optimizer(o.learning_rate, o.common), beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon),
      amsgrad_(o.amsgrad), decoupled_(true)
{
}

std::vector<std::string> adam_optimizer::update_slot_names() const
{
    if (amsgrad_) return {"m", "v", "vhat"};
    return {"m", "v"};
}

void adam_optimizer::update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t)
{
    be.adam_update(p.value.size(), learning_rate_, beta_1_, beta_2_, epsilon_, t, p.value.f32(), p.grad.f32(),
                   slots[0].f32(), slots[1].f32(), amsgrad_ ? slots[2].f32() : nullptr);
}

optimizer_spec adam_optimizer::config() const
{
    if (decoupled_) return adamw_options{learning_rate_, beta_1_, beta_2_, epsilon_, amsgrad_, common()};
    return adam_options{learning_rate_, beta_1_, beta_2_, epsilon_, amsgrad_, common()};
}

// ---- SGD

sgd_optimizer::sgd_optimizer(const sgd_options& o)
    : optimizer(o.learning_rate, o.common), momentum_(o.momentum), nesterov_(o.nesterov)
{
}

std::vector<std::string> sgd_optimizer::update_slot_names() const
{
    if (momentum_ > 0.0f) return {"momentum"};
    return {};
}

void sgd_optimizer::update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t)
{
    be.sgd_update(p.value.size(), learning_rate_, momentum_, nesterov_, p.value.f32(), p.grad.f32(),
                  slots.empty() ? nullptr : slots[0].f32());
}

optimizer_spec sgd_optimizer::config() const { return sgd_options{learning_rate_, momentum_, nesterov_, common()}; }

// ---- RMSprop

rmsprop_optimizer::rmsprop_optimizer(const rmsprop_options& o)
    : optimizer(o.learning_rate, o.common), rho_(o.rho), momentum_(o.momentum), epsilon_(o.epsilon),
      centered_(o.centered)
{
}

std::vector<std::string> rmsprop_optimizer::update_slot_names() const
{
    std::vector<std::string> names = {"rms"};
    if (momentum_ > 0.0f) names.push_back("momentum");
    if (centered_) names.push_back("mg");
    return names;
}

void rmsprop_optimizer::update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t)
{
    std::size_t next = 1;
    float* mom = momentum_ > 0.0f ? slots[next++].f32() : nullptr;
    float* mg = centered_ ? slots[next].f32() : nullptr;
    be.rmsprop_update(p.value.size(), learning_rate_, rho_, momentum_, epsilon_, p.value.f32(), p.grad.f32(),
                      slots[0].f32(), mom, mg);
}

optimizer_spec rmsprop_optimizer::config() const
{
    return rmsprop_options{learning_rate_, rho_, momentum_, epsilon_, centered_, common()};
}

// ---- Nadam

nadam_optimizer::nadam_optimizer(const nadam_options& o)
    : optimizer(o.learning_rate, o.common), beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon)
{
}

float nadam_optimizer::u_product(std::int64_t t) const
{
    // Steps come one after another, so the cached value usually needs one
    // more factor; after a restore it is rebuilt from the start.
    if (t < product_step_) product_step_ = 0, u_product_ = 1.0f;
    for (; product_step_ < t; ++product_step_) {
        const float s = static_cast<float>(product_step_ + 1);
        u_product_ *= beta_1_ * (1.0f - 0.5f * std::pow(0.96f, s));
    }
    return u_product_;
}

void nadam_optimizer::update(backend&, parameter& p, std::vector<tensor>& slots, std::int64_t t)
{
    const float u_t = beta_1_ * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(t)));
    const float u_next = beta_1_ * (1.0f - 0.5f * std::pow(0.96f, static_cast<float>(t + 1)));
    const float product = u_product(t);
    const float product_next = product * u_next;
    const float beta_2_power = std::pow(beta_2_, static_cast<float>(t));
    float* w = p.value.f32();
    const float* g = p.grad.f32();
    float* m = slots[0].f32();
    float* v = slots[1].f32();
    for (std::int64_t i = 0; i < p.value.size(); ++i) {
        m[i] += (g[i] - m[i]) * (1.0f - beta_1_);
        v[i] += (g[i] * g[i] - v[i]) * (1.0f - beta_2_);
        const float m_hat = u_next * m[i] / (1.0f - product_next) + (1.0f - u_t) * g[i] / (1.0f - product);
        const float v_hat = v[i] / (1.0f - beta_2_power);
        w[i] -= m_hat * learning_rate_ / (std::sqrt(v_hat) + epsilon_);
    }
}

optimizer_spec nadam_optimizer::config() const
{
    return nadam_options{learning_rate_, beta_1_, beta_2_, epsilon_, common()};
}

// ---- Adagrad

adagrad_optimizer::adagrad_optimizer(const adagrad_options& o)
    : optimizer(o.learning_rate, o.common), initial_accumulator_value_(o.initial_accumulator_value),
      epsilon_(o.epsilon)
{
}

void adagrad_optimizer::update(backend&, parameter& p, std::vector<tensor>& slots, std::int64_t)
{
    float* w = p.value.f32();
    const float* g = p.grad.f32();
    float* accumulator = slots[0].f32();
    for (std::int64_t i = 0; i < p.value.size(); ++i) {
        accumulator[i] += g[i] * g[i];
        w[i] -= learning_rate_ * g[i] / std::sqrt(accumulator[i] + epsilon_);
    }
}

optimizer_spec adagrad_optimizer::config() const
{
    return adagrad_options{learning_rate_, initial_accumulator_value_, epsilon_, common()};
}

// ---- Adadelta

adadelta_optimizer::adadelta_optimizer(const adadelta_options& o)
    : optimizer(o.learning_rate, o.common), rho_(o.rho), epsilon_(o.epsilon)
{
}

void adadelta_optimizer::update(backend&, parameter& p, std::vector<tensor>& slots, std::int64_t)
{
    float* w = p.value.f32();
    const float* g = p.grad.f32();
    float* grads = slots[0].f32();
    float* deltas = slots[1].f32();
    for (std::int64_t i = 0; i < p.value.size(); ++i) {
        grads[i] = rho_ * grads[i] + (1.0f - rho_) * g[i] * g[i];
        const float delta = -std::sqrt(deltas[i] + epsilon_) * g[i] / std::sqrt(grads[i] + epsilon_);
        deltas[i] = rho_ * deltas[i] + (1.0f - rho_) * delta * delta;
        w[i] += learning_rate_ * delta;
    }
}

optimizer_spec adadelta_optimizer::config() const
{
    return adadelta_options{learning_rate_, rho_, epsilon_, common()};
}

// ---- Adamax

adamax_optimizer::adamax_optimizer(const adamax_options& o)
    : optimizer(o.learning_rate, o.common), beta_1_(o.beta_1), beta_2_(o.beta_2), epsilon_(o.epsilon)
{
}

void adamax_optimizer::update(backend&, parameter& p, std::vector<tensor>& slots, std::int64_t t)
{
    const float beta_1_power = std::pow(beta_1_, static_cast<float>(t));
    float* w = p.value.f32();
    const float* g = p.grad.f32();
    float* m = slots[0].f32();
    float* u = slots[1].f32();
    for (std::int64_t i = 0; i < p.value.size(); ++i) {
        m[i] += (g[i] - m[i]) * (1.0f - beta_1_);
        u[i] = std::max(beta_2_ * u[i], std::fabs(g[i]));
        w[i] -= learning_rate_ * m[i] / ((1.0f - beta_1_power) * (u[i] + epsilon_));
    }
}

optimizer_spec adamax_optimizer::config() const
{
    return adamax_options{learning_rate_, beta_1_, beta_2_, epsilon_, common()};
}

}  // namespace mlrun
