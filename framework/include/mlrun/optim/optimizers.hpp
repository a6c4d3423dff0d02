// The built-in optimizers.
#pragma once

#include "mlrun/optim/optimizer.hpp"

namespace mlrun {

// Adam (Keras defaults: learning_rate 0.001, beta_1 0.9, beta_2 0.999,
// epsilon 1e-7, amsgrad false).
class adam_optimizer final : public optimizer {
public:
    explicit adam_optimizer(const YAML::Node& config);
    std::string class_name() const override { return "Adam"; }
    std::vector<std::string> slot_names() const override;
    YAML::Node config() const override;
    static const optimizer_class& description();

private:
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float beta_1_, beta_2_, epsilon_;
    bool amsgrad_;
};

// SGD with optional (Nesterov) momentum (Keras defaults: 0.01, 0, false).
class sgd_optimizer final : public optimizer {
public:
    explicit sgd_optimizer(const YAML::Node& config);
    std::string class_name() const override { return "SGD"; }
    std::vector<std::string> slot_names() const override;
    YAML::Node config() const override;
    static const optimizer_class& description();

private:
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float momentum_;
    bool nesterov_;
};

// RMSprop (Keras defaults: 0.001, rho 0.9, momentum 0, epsilon 1e-7,
// centered false).
class rmsprop_optimizer final : public optimizer {
public:
    explicit rmsprop_optimizer(const YAML::Node& config);
    std::string class_name() const override { return "RMSprop"; }
    std::vector<std::string> slot_names() const override;
    YAML::Node config() const override;
    static const optimizer_class& description();

private:
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float rho_, momentum_, epsilon_;
    bool centered_;
};

}  // namespace mlrun
