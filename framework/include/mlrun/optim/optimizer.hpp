// Optimizers with Keras's definitions and defaults.
//
// State lives in named slots per parameter ("m" and "v" for Adam) plus an
// iteration counter, so a checkpoint can save and restore it exactly.
#pragma once

#include "mlrun/config/schema.hpp"
#include "mlrun/layers/layer.hpp"

#include <yaml-cpp/yaml.h>

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
    // AMSGrad adds "vhat", momentum adds "momentum").
    virtual std::vector<std::string> slot_names() const = 0;
    // Settings in the experiment file's terms.
    virtual YAML::Node config() const = 0;

    // Binds the optimizer to parameters and creates zeroed slots.
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

protected:
    explicit optimizer(float learning_rate) : learning_rate_(learning_rate) {}
    // Updates one parameter; `t` is the 1-based iteration of this step.
    virtual void update(backend& be, parameter& p, std::vector<tensor>& slots, std::int64_t t) = 0;

    float learning_rate_;

private:
    std::vector<parameter*> params_;
    std::vector<std::vector<tensor>> slots_;
    std::int64_t iterations_ = 0;
};

struct optimizer_class {
    std::string name;  // as written in experiments: "adam"
    std::string doc;
    std::vector<key_spec> keys;
    std::unique_ptr<optimizer> (*create)(const YAML::Node& config);
};

const std::vector<optimizer_class>& optimizer_classes();

// Builds an optimizer from `compile.optimizer`: a name ("adam") or a mapping
// of one name to its settings ({adam: {learning_rate: 0.01}}). Throws
// config_error with the position in `file`.
std::unique_ptr<optimizer> make_optimizer(const YAML::Node& spec, const std::string& file);

}  // namespace mlrun
