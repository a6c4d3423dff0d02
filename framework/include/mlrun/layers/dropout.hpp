// Dropout (inverted): in training, zeroes each input with probability
// `rate` and scales the rest by 1 / (1 - rate); at inference, the identity.
// SpatialDropout2D draws the same way per (sample, channel) and zeroes the
// whole channel of the image. Masks come from the step's seed, as Dropout's.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class dropout_layer final : public layer {
public:
    dropout_layer(const std::string& name, const dropout_options& options);

    std::string class_name() const override { return "Dropout"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();

private:
    float rate_;
    tensor mask_;
};

class spatial_dropout2d_layer final : public layer {
public:
    spatial_dropout2d_layer(const std::string& name, const spatial_dropout2d_options& options);

    std::string class_name() const override { return "SpatialDropout2D"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    // y = x * mask[sample, channel] over [batch, cells, channels].
    void apply_mask(const float* x, float* y, std::int64_t batch) const;

    spatial_dropout2d_options options_;
    std::int64_t cells_ = 0;     // rows * cols
    std::int64_t channels_ = 0;
    bool masked_ = false;        // the last forward dropped channels (training, rate > 0)
    tensor ones_;
    tensor mask_;                // [batch, channels]: 0 or 1 / (1 - rate)
    tensor scratch_;
};

}  // namespace mlrun
