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

// The optimizers below run their updates on the host, element by element,
// in Keras 3's order of operations (backends provide no kernel for them).

// Nadam (Keras 3). Its u_product (the product of the momentum schedule
// over the steps taken) is a function of the iteration count alone, so it
// is recomputed from iterations() rather than kept in a slot; a resumed
// run therefore continues with the same value.
class nadam_optimizer final : public optimizer {
public:
    explicit nadam_optimizer(const nadam_options& options);
    std::string class_name() const override { return "Nadam"; }
    optimizer_spec config() const override;
    // prod over s = 1..t of beta_1 (1 - 0.5 * 0.96^s), in float32 as Keras keeps it.
    float u_product(std::int64_t t) const;

private:
    std::vector<std::string> update_slot_names() const override { return {"momentum", "velocity"}; }
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float beta_1_, beta_2_, epsilon_;
    mutable std::int64_t product_step_ = 0;  // the step u_product_ belongs to
    mutable float u_product_ = 1.0f;
};

// Adagrad (Keras 3): accumulator += g^2; w -= lr g / sqrt(accumulator + epsilon).
class adagrad_optimizer final : public optimizer {
public:
    explicit adagrad_optimizer(const adagrad_options& options);
    std::string class_name() const override { return "Adagrad"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override { return {"accumulator"}; }
    float initial_slot_value(std::size_t) const override { return initial_accumulator_value_; }
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float initial_accumulator_value_, epsilon_;
};

// Adadelta (Keras 3).
class adadelta_optimizer final : public optimizer {
public:
    explicit adadelta_optimizer(const adadelta_options& options);
    std::string class_name() const override { return "Adadelta"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override
    {
        return {"accumulated_grad", "accumulated_delta_var"};
    }
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float rho_, epsilon_;
};

// Adamax (Keras 3).
class adamax_optimizer final : public optimizer {
public:
    explicit adamax_optimizer(const adamax_options& options);
    std::string class_name() const override { return "Adamax"; }
    optimizer_spec config() const override;

private:
    std::vector<std::string> update_slot_names() const override { return {"momentum", "norm"}; }
    void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) override;
    float beta_1_, beta_2_, epsilon_;
};

}  // namespace mlrun
