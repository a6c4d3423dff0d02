#include "mlrun/optim/optimizers.hpp"

#include "mlrun/core/text.hpp"

#include "mlrun/backend/backend.hpp"

namespace mlrun {

// ---- Adam

adam_optimizer::adam_optimizer(const YAML::Node& c)
    : optimizer(c["learning_rate"].as<float>()),
      beta_1_(c["beta_1"].as<float>()),
      beta_2_(c["beta_2"].as<float>()),
      epsilon_(c["epsilon"].as<float>()),
      amsgrad_(c["amsgrad"].as<bool>())
{
}

std::vector<std::string> adam_optimizer::slot_names() const
{
    if (amsgrad_) return {"m", "v", "vhat"};
    return {"m", "v"};
}

void adam_optimizer::update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t)
{
    be.adam_update(p.value.size(), learning_rate_, beta_1_, beta_2_, epsilon_, t, p.value.f32(), p.grad.f32(),
                   slots[0].f32(), slots[1].f32(), amsgrad_ ? slots[2].f32() : nullptr);
}

YAML::Node adam_optimizer::config() const
{
    YAML::Node c;
    c["learning_rate"] = shortest_text(learning_rate_);
    c["beta_1"] = shortest_text(beta_1_);
    c["beta_2"] = shortest_text(beta_2_);
    c["epsilon"] = shortest_text(epsilon_);
    c["amsgrad"] = amsgrad_;
    return c;
}

const optimizer_class& adam_optimizer::description()
{
    static const optimizer_class description{
        "adam",
        "Adam: adaptive moment estimation",
        {
            with_range({"learning_rate", value_kind::number, "0.001", "step size"}, {0, false, std::numeric_limits<double>::infinity(), false}),
            with_range({"beta_1", value_kind::number, "0.9", "decay of the first-moment estimate"}, {0, false, 1, true}),
            with_range({"beta_2", value_kind::number, "0.999", "decay of the second-moment estimate"}, {0, false, 1, true}),
            with_range({"epsilon", value_kind::number, "1e-7", "added to the denominator for stability"}, {0, true, std::numeric_limits<double>::infinity(), false}),
            {"amsgrad", value_kind::boolean, "false", "use the maximum of past second moments (AMSGrad)"},
        },
        [](const YAML::Node& c) -> std::unique_ptr<optimizer> { return std::make_unique<adam_optimizer>(c); },
    };
    return description;
}

// ---- SGD

sgd_optimizer::sgd_optimizer(const YAML::Node& c)
    : optimizer(c["learning_rate"].as<float>()), momentum_(c["momentum"].as<float>()), nesterov_(c["nesterov"].as<bool>())
{
}

std::vector<std::string> sgd_optimizer::slot_names() const
{
    if (momentum_ > 0.0f) return {"momentum"};
    return {};
}

void sgd_optimizer::update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t)
{
    be.sgd_update(p.value.size(), learning_rate_, momentum_, nesterov_, p.value.f32(), p.grad.f32(),
                  slots.empty() ? nullptr : slots[0].f32());
}

YAML::Node sgd_optimizer::config() const
{
    YAML::Node c;
    c["learning_rate"] = shortest_text(learning_rate_);
    c["momentum"] = shortest_text(momentum_);
    c["nesterov"] = nesterov_;
    return c;
}

const optimizer_class& sgd_optimizer::description()
{
    static const optimizer_class description{
        "sgd",
        "stochastic gradient descent, with optional (Nesterov) momentum",
        {
            with_range({"learning_rate", value_kind::number, "0.01", "step size"}, {0, false, std::numeric_limits<double>::infinity(), false}),
            with_range({"momentum", value_kind::number, "0.0", "momentum factor (0 disables it)"}, {0, false, 1, false}),
            {"nesterov", value_kind::boolean, "false", "use Nesterov momentum"},
        },
        [](const YAML::Node& c) -> std::unique_ptr<optimizer> { return std::make_unique<sgd_optimizer>(c); },
    };
    return description;
}

// ---- RMSprop

rmsprop_optimizer::rmsprop_optimizer(const YAML::Node& c)
    : optimizer(c["learning_rate"].as<float>()),
      rho_(c["rho"].as<float>()),
      momentum_(c["momentum"].as<float>()),
      epsilon_(c["epsilon"].as<float>()),
      centered_(c["centered"].as<bool>())
{
}

std::vector<std::string> rmsprop_optimizer::slot_names() const
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

YAML::Node rmsprop_optimizer::config() const
{
    YAML::Node c;
    c["learning_rate"] = shortest_text(learning_rate_);
    c["rho"] = shortest_text(rho_);
    c["momentum"] = shortest_text(momentum_);
    c["epsilon"] = shortest_text(epsilon_);
    c["centered"] = centered_;
    return c;
}

const optimizer_class& rmsprop_optimizer::description()
{
    static const optimizer_class description{
        "rmsprop",
        "RMSprop: divides the step by a running root mean square of gradients",
        {
            with_range({"learning_rate", value_kind::number, "0.001", "step size"}, {0, false, std::numeric_limits<double>::infinity(), false}),
            with_range({"rho", value_kind::number, "0.9", "decay of the squared-gradient average"}, {0, false, 1, false}),
            with_range({"momentum", value_kind::number, "0.0", "momentum factor (0 disables it)"}, {0, false, 1, false}),
            with_range({"epsilon", value_kind::number, "1e-7", "added inside the square root for stability"}, {0, true, std::numeric_limits<double>::infinity(), false}),
            {"centered", value_kind::boolean, "false", "normalise by the gradient's estimated variance"},
        },
        [](const YAML::Node& c) -> std::unique_ptr<optimizer> { return std::make_unique<rmsprop_optimizer>(c); },
    };
    return description;
}

}  // namespace mlrun
