#include "mlrun/layers/dropout.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/layers/window_geometry.hpp"

namespace mlrun {

dropout_layer::dropout_layer(const std::string& name, const dropout_options& options)
    : layer(name), rate_(options.rate)
{
    if (!(rate_ >= 0.0f && rate_ < 1.0f)) {
        throw config_error("layer '" + name + "': Dropout rate must be in [0, 1), found " + std::to_string(rate_));
    }
}

shape dropout_layer::build(const std::vector<shape>& input_shapes, rng&) { return input_shapes.at(0); }

void dropout_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(x.dims());
    if (!ctx.training || rate_ == 0.0f) {
        ctx.be.axpby(x.size(), 1.0f, x.f32(), 0.0f, output.f32());
        return;
    }
    mask_.reshape(x.dims());
    ctx.be.dropout_forward(x.size(), rate_, ctx.seed, x.f32(), mask_.f32(), output.f32());
}

void dropout_layer::backward(backend& be, const std::vector<const tensor*>&, const tensor&,
                             const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    tensor* dx = input_grads[0];
    if (dx == nullptr) return;
    dx->reshape(output_grad.dims());
    if (rate_ == 0.0f) {
        be.axpby(output_grad.size(), 1.0f, output_grad.f32(), 0.0f, dx->f32());
    } else {
        be.multiply(output_grad.size(), output_grad.f32(), mask_.f32(), dx->f32());
    }
}

layer_spec dropout_layer::config() const
{
    dropout_options o;
    o.rate = rate_;
    return {name(), o};
}

const layer_class& dropout_layer::description()
{
    static const layer_class description{
        "Dropout",
        "randomly zeroes inputs during training (inverted dropout); identity at inference",
        {{"rate", value_kind::number, "", "fraction of inputs to drop, in [0, 1)", {}, true}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<dropout_layer>(spec.name, std::get<dropout_options>(spec.options));
        },
    };
    return description;
}

// ---- SpatialDropout2D

spatial_dropout2d_layer::spatial_dropout2d_layer(const std::string& name, const spatial_dropout2d_options& options)
    : layer(name), options_(options)
{
    const std::string where = "layer '" + name + "' (SpatialDropout2D)";
    if (!(options_.rate >= 0.0f && options_.rate < 1.0f)) {
        throw config_error(where + ": rate must be in [0, 1), found " + std::to_string(options_.rate));
    }
    check_channels_last(options_.data_format, where);
}

shape spatial_dropout2d_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    if (in.rank() != 3) {
        throw model_error("layer '" + name() + "' (SpatialDropout2D) expects samples of shape (rows, cols, channels), found " +
                          in.to_string());
    }
    cells_ = in[0] * in[1];
    channels_ = in[2];
    return in;
}

void spatial_dropout2d_layer::apply_mask(const float* x, float* y, std::int64_t batch) const
{
    for (std::int64_t b = 0; b < batch; ++b) {
        const float* m = mask_.f32() + b * channels_;
        for (std::int64_t cell = 0; cell < cells_; ++cell) {
            const std::int64_t at = (b * cells_ + cell) * channels_;
            for (std::int64_t k = 0; k < channels_; ++k) y[at + k] = x[at + k] * m[k];
        }
    }
}

void spatial_dropout2d_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape(x.dims());
    masked_ = ctx.training && options_.rate > 0.0f;
    if (!masked_) {
        ctx.be.axpby(x.size(), 1.0f, x.f32(), 0.0f, output.f32());
        return;
    }
    // The backend's dropout stream over a vector of ones is the channel mask.
    const std::int64_t n = batch * channels_;
    ones_.reshape({n});
    mask_.reshape({batch, channels_});
    scratch_.reshape({n});
    ctx.be.fill(n, 1.0f, ones_.f32());
    ctx.be.dropout_forward(n, options_.rate, ctx.seed, ones_.f32(), scratch_.f32(), mask_.f32());
    apply_mask(x.f32(), output.f32(), batch);
}

void spatial_dropout2d_layer::backward(backend& be, const std::vector<const tensor*>&, const tensor&,
                                       const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    tensor* dx = input_grads[0];
    if (dx == nullptr) return;
    dx->reshape(output_grad.dims());
    if (!masked_) {
        be.axpby(output_grad.size(), 1.0f, output_grad.f32(), 0.0f, dx->f32());
    } else {
        apply_mask(output_grad.f32(), dx->f32(), output_grad.dims()[0]);
    }
}

const layer_class& spatial_dropout2d_layer::description()
{
    static const layer_class description{
        "SpatialDropout2D",
        "randomly zeroes whole channels of each image during training; identity at inference",
        {{"rate", value_kind::number, "", "fraction of channels to drop, in [0, 1)", {}, true},
         {"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]", {"channels_last"}}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<spatial_dropout2d_layer>(spec.name, std::get<spatial_dropout2d_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
