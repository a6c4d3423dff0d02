// A model: a directed acyclic graph of layers with one input and one output
// (Keras's functional model); Sequential is the chain case.
//
// Nodes are kept in topological order, so forward runs front to back and
// backward back to front. Every node owns its output and gradient buffers;
// they are resized per batch shape and reused, never reallocated in steady
// state.
#pragma once

#include "mlrun/layers/layer.hpp"

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

class backend;

class model {
public:
    struct node {
        std::unique_ptr<layer> op;
        std::vector<std::size_t> inputs;  // indices of earlier nodes
        shape output_shape;               // per sample, set by build()
        tensor output;
        tensor grad;
        tensor grad_scratch;  // a second consumer's contribution, before it is added
        std::vector<std::size_t> consumers;
        // Where the layer was defined ("exp.yaml:7:5: model[1]"), prefixed to
        // its build errors; empty for models built in code.
        std::string origin;
    };

    // `nodes` must be topologically ordered with node 0 the InputLayer;
    // `output` is the index of the output node. Throws model_error when the
    // graph is malformed.
    model(std::string name, bool sequential, std::vector<node> nodes, std::size_t output);

    // Creates all parameters, initialised from `init`; checks every layer's
    // input shapes (model_error naming the layer when they do not fit) and
    // its sizes against size_limits.hpp before allocating them.
    void build(rng& init);

    const std::string& name() const { return name_; }
    bool is_sequential() const { return sequential_; }
    const shape& input_shape() const;
    const shape& output_shape() const { return nodes_[output_].output_shape; }
    const std::vector<node>& nodes() const { return nodes_; }
    layer& output_layer() { return *nodes_[output_].op; }

    // Runs the graph on a batch x [batch, input_shape...]; returns the output.
    const tensor& forward(backend& be, const tensor& x, bool training, std::uint64_t step_seed);

    // The gradient w.r.t. the output (or the output layer's pre-activation,
    // when the loss fused them); the loss writes it, backward() reads it.
    tensor& output_grad() { return nodes_[output_].grad; }
    // Backpropagates output_grad() to every parameter gradient. Needs the
    // forward pass of the same batch just before.
    void backward(backend& be);
    // The same, calling `node_done(i)` once node i's parameter gradients
    // are complete (from the last node down), so a data-parallel step can
    // start summing them while earlier layers still compute.
    void backward(backend& be, const std::function<void(std::size_t)>& node_done);

    std::vector<parameter*> parameters();
    // The parameters the optimizer updates, in model order: those of
    // trainable layers that are not state (BatchNormalization's moving
    // statistics).
    std::vector<parameter*> trainable_parameters();
    std::int64_t parameter_count() const;
    std::int64_t trainable_parameter_count() const;

    // The regularization part of the loss, as Keras adds it: the weight
    // regularizers' penalties on the trainable weights, plus the activity
    // regularizers' penalties on the outputs of the last forward() divided
    // by its batch size.
    double regularization_loss() const;
    bool has_regularization() const;
    // Adds the weight penalties' gradients to the parameter gradients (after
    // backward(); the activity penalties' gradients are part of backward()).
    void add_regularization_gradients();
    // Projects every trainable weight that has a constraint (after each
    // optimizer update).
    void apply_constraints();

    // The Keras summary table.
    void summary(std::ostream& out) const;

private:
    const tensor& value_of(std::size_t index) const;

    std::string name_;
    bool sequential_;
    std::vector<node> nodes_;
    std::size_t output_;
    const tensor* batch_input_ = nullptr;  // the current batch, fed to node 0
    std::vector<const tensor*> inputs_scratch_;
    std::vector<tensor*> grads_scratch_;
    std::vector<char> grad_written_;
    double activity_loss_ = 0.0;  // of the last forward()
};

}  // namespace mlrun
