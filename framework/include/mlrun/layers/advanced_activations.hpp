// Activation layers with settings: ELU (alpha), ReLU (max_value,
// negative_slope, threshold) and PReLU (a learned slope "alpha" per input
// cell, shared along shared_axes). Element-wise, on the host.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

// ELU and ReLU: parameter-free functions of each value.
class elementwise_activation_layer final : public layer {
public:
    elementwise_activation_layer(const std::string& name, const layer_options& options);

    std::string class_name() const override { return class_name_of(options_); }
    shape build(const std::vector<shape>& input_shapes, rng&) override { return input_shapes.at(0); }
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& elu_description();
    static const layer_class& relu_description();

private:
    float value(float x) const;
    float slope(float x) const;  // the derivative at x

    layer_options options_;
    bool elu_;
    float alpha_ = 1.0f;
    float max_value_ = 0.0f;
    bool has_max_ = false;
    float negative_slope_ = 0.0f;
    float threshold_ = 0.0f;
};

class prelu_layer final : public layer {
public:
    prelu_layer(const std::string& name, const prelu_options& options);

    std::string class_name() const override { return "PReLU"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    prelu_options options_;
    std::vector<std::int64_t> alpha_of_;  // for each cell of a sample, its alpha
};

}  // namespace mlrun
