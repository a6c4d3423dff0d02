// The built-in optimizers. Their settings are checked by make_optimizer
// (optimizer.hpp), which is how they are made.
#pragma once

#include "mlrun/optim/optimizer.hpp"

namespace mlrun {

// Adam (defaults in adam_options), and AdamW: the same update after
// the common weight decay (adamw_options).
class adam_optimizer final : public optimizer {
public:
    explicit adam_optimizer(const adam_options& options);
    explicit adam_optimizer(const adamw_options& options);
    std::string class_name() const override { return decoupled_ ? "AdamW" : "Adam"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override;
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float beta_1_, beta_2_, epsilon_;
    bool amsgrad_;
    bool decoupled_ = false;  // made as AdamW
};

// SGD with optional (Nesterov) momentum.
class sgd_optimizer final : public optimizer {
public:
    explicit sgd_optimizer(const sgd_options& options);
    std::string class_name() const override { return "SGD"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override;
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float momentum_;
    bool nesterov_;
};

// RMSprop.
class rmsprop_optimizer final : public optimizer {
public:
    explicit rmsprop_optimizer(const rmsprop_options& options);
    std::string class_name() const override { return "RMSprop"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override;
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float rho_, momentum_, epsilon_;
    bool centered_;
};

}  // namespace mlrun
