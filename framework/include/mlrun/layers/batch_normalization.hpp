// BatchNormalization over the last axis, as Keras defines it:
//   training:  y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta,
//              moving = moving * momentum + batch statistic * (1 - momentum)
//   inference: y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta
// with the batch variance biased (divided by the count). The moving
// statistics are weights the layer updates itself, not the optimizer. On
// images (NHWC) the statistics are per channel over batch, rows and
// columns. The normalisation is the backend's.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class batch_normalization_layer final : public layer {
public:
    batch_normalization_layer(const std::string& name, const batch_normalization_options& options);

    std::string class_name() const override { return "BatchNormalization"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();

private:
    parameter* gamma();
    parameter* beta();
    parameter& moving_mean() { return parameters()[moving_index_]; }
    parameter& moving_variance() { return parameters()[moving_index_ + 1]; }

    int axis_;
    float momentum_;
    float epsilon_;
    bool center_;
    bool scale_;
    batch_normalization_options options_;
    std::int64_t features_ = 0;
    std::size_t moving_index_ = 0;
    // The last training forward pass's batch statistics, for backward.
    bool used_batch_statistics_ = true;  // by the last forward()
    tensor batch_mean_;
    tensor batch_variance_;
};

}  // namespace mlrun
