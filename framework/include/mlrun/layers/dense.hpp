// Dense: output = activation(input . kernel + bias), kernel shaped
// [input units, units] as Keras stores it.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class dense_layer final : public layer {
public:
    dense_layer(const std::string& name, const dense_options& options);

    std::string class_name() const override { return "Dense"; }

    bool has_products() const override { return true; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;
    activation_kind output_activation() const override { return activation_; }
    const tensor* preactivation() const override { return &preactivation_; }
    std::string size_setting() const override { return "units: " + std::to_string(units_); }

    static const layer_class& description();

private:
    std::int64_t units_;
    activation_kind activation_;
    bool use_bias_;
    std::string kernel_initializer_;
    std::string bias_initializer_;
    weight_regularization regularization_;
    std::int64_t input_units_ = 0;
    tensor preactivation_;  // kept only when there is an activation
    tensor preactivation_grad_;
};

}  // namespace mlrun
