// LayerNormalization over the last axis of each sample, as Keras defines it:
//   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta
// with the mean and (biased) variance of each position's features, the same
// in training and inference. The normalisation is the backend's.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class layer_normalization_layer final : public layer {
public:
    layer_normalization_layer(const std::string& name, const layer_normalization_options& options);

    std::string class_name() const override { return "LayerNormalization"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    layer_normalization_options options_;
    std::int64_t features_ = 0;
    // Per position, from the forward pass, for backward.
    tensor mean_;
    tensor variance_;
};

}  // namespace mlrun
