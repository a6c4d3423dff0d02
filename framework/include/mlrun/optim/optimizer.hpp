// Optimizers with Keras's definitions and defaults.
//
// State lives in named slots per parameter ("m" and "v" for Adam) plus an
// iteration counter, so a checkpoint can save and restore it exactly.
#pragma once

#include "mlrun/layers/layer.hpp"
#include "mlrun/optim/optimizer_spec.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mlrun {

class backend;

class optimizer {
public:
    virtual ~optimizer() = default;

    // Keras class name, e.g. "Adam".
    virtual std::string class_name() const = 0;
    // Slot names per parameter, in order (they depend on the settings:
    // AMSGrad adds "vhat", momentum adds "momentum", use_ema a last "average").
    std::vector<std::string> slot_names() const;
    // The settings it was made with, the learning rate as it is now.
    virtual optimizer_spec config() const = 0;

    // Binds the optimizer to parameters and creates slots at their initial values.
    void attach(const std::vector<parameter*>& params);

    // One update of every parameter from its gradient.
    void step(backend& be);

    std::int64_t iterations() const { return iterations_; }
    void set_iterations(std::int64_t iterations) { iterations_ = iterations; }
    float learning_rate() const { return learning_rate_; }
    void set_learning_rate(float lr) { learning_rate_ = lr; }

    // slots()[p][s]: slot s (per slot_names()) of parameter p.
    std::vector<std::vector<tensor>>& slots() { return slots_; }
    const std::vector<std::vector<tensor>>& slots() const { return slots_; }

    const optimizer_common& common() const { return common_; }

protected:
    optimizer(float learning_rate, const optimizer_common& common) : learning_rate_(learning_rate), common_(common) {}
    // The slots of the update rule itself, in order.
    virtual std::vector<std::string> update_slot_names() const = 0;
    // What slot `slot` starts at (Adagrad's accumulator starts above 0).
    virtual float initial_slot_value(std::size_t /*slot*/) const { return 0.0f; }
    // Updates one parameter; `t` is the 1-based iteration of this step.
    // `slots` begins with the update_slot_names() ones.
    virtual void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) = 0;

    float learning_rate_;

private:
    void clip_gradients(backend& be);
    void update_average(backend& be, parameter& p, tensor& average, std::int64_t t) const;

    optimizer_common common_;
    tensor squares_;  // scratch for gradient norms
    std::vector<parameter*> params_;
    std::vector<std::vector<tensor>> slots_;
    std::int64_t iterations_ = 0;
};

// The optimizer `spec` describes. Throws config_error naming the class
// and the setting for a value outside Keras's range (beta_1 in [0, 1), ...)
// or for more than one of clipnorm, clipvalue and global_clipnorm.
std::unique_ptr<optimizer> make_optimizer(const optimizer_spec& spec);

}  // namespace mlrun
