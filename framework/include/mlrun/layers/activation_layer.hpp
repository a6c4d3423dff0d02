// Activation: applies an activation function to its input.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class activation_layer final : public layer {
public:
    activation_layer(const std::string& name, const activation_options& options);

    std::string class_name() const override { return "Activation"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;
    activation_kind output_activation() const override { return activation_; }
    const tensor* preactivation() const override { return input_; }

    static const layer_class& description();

private:
    activation_kind activation_;
    std::int64_t cols_ = 1;            // softmax runs over the last axis
    const tensor* input_ = nullptr;    // the last forward's input, for the fused loss
};

}  // namespace mlrun
