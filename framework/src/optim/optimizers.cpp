#include "mlrun/optim/optimizers.hpp"

#include "mlrun/backend/backend.hpp"

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

}  // namespace mlrun
