#include "mlrun/layers/batch_normalization.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"


namespace mlrun {

batch_normalization_layer::batch_normalization_layer(const std::string& name,
                                                     const batch_normalization_options& options)
    : layer(name),
      axis_(options.axis),
      momentum_(options.momentum),
      epsilon_(options.epsilon),
      center_(options.center),
      scale_(options.scale),
      options_(options)
{
    set_weight_penalties(options);
    if (!(momentum_ >= 0.0f && momentum_ <= 1.0f)) {
        throw config_error("layer '" + name + "': BatchNormalization momentum must be in [0, 1], found " +
                           std::to_string(momentum_));
    }
    if (!(epsilon_ > 0.0f)) {
        throw config_error("layer '" + name + "': BatchNormalization epsilon must be positive, found " +
                           std::to_string(epsilon_));
    }
}

parameter* batch_normalization_layer::gamma() { return scale_ ? &parameters()[0] : nullptr; }
parameter* batch_normalization_layer::beta() { return center_ ? &parameters()[scale_ ? 1 : 0] : nullptr; }

shape batch_normalization_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    // Keras counts the batch axis: the last axis of a per-sample shape of rank r is r, or -1.
    if (in.rank() == 0 || (axis_ != -1 && axis_ != static_cast<int>(in.rank()))) {
        throw model_error("layer '" + name() + "' (BatchNormalization) normalises the last axis (axis -1); found axis " +
                          std::to_string(axis_) + " for inputs of shape " + in.to_string());
    }
    features_ = in[in.rank() - 1];
    auto filled = [](parameter& p, float value) {
        for (std::int64_t i = 0; i < p.value.size(); ++i) p.value.f32()[i] = value;
    };
    if (scale_) filled(add_parameter("gamma", {features_}), 1.0f);
    if (center_) filled(add_parameter("beta", {features_}), 0.0f);
    moving_index_ = parameters().size();
    filled(add_parameter("moving_mean", {features_}, false), 0.0f);
    filled(add_parameter("moving_variance", {features_}, false), 1.0f);
    return in;
}

void batch_normalization_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(x.dims());
    const std::int64_t rows = x.size() / features_;
    const float* g = scale_ ? gamma()->value.f32() : nullptr;
    const float* b = center_ ? beta()->value.f32() : nullptr;
    float* mm = moving_mean().value.f32();
    float* mv = moving_variance().value.f32();
    // Frozen, it normalises with the moving statistics in training too, and leaves them as they are (Keras 3).
    used_batch_statistics_ = ctx.training && trainable();
    if (!used_batch_statistics_) {
        ctx.be.batch_norm_forward_inference(rows, features_, x.f32(), g, b, mm, mv, epsilon_, output.f32());
        return;
    }
    batch_mean_.reshape({features_});
    batch_variance_.reshape({features_});
    ctx.be.batch_norm_forward_training(rows, features_, x.f32(), g, b, epsilon_, output.f32(), batch_mean_.f32(),
                                       batch_variance_.f32());
    for (std::int64_t j = 0; j < features_; ++j) {
        mm[j] = mm[j] * momentum_ + batch_mean_.f32()[j] * (1.0f - momentum_);
        mv[j] = mv[j] * momentum_ + batch_variance_.f32()[j] * (1.0f - momentum_);
    }
}

void batch_normalization_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                                         const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t rows = x.size() / features_;
    float* dx = nullptr;
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        dx = input_grads[0]->f32();
    }
    const bool batch = used_batch_statistics_;
    be.batch_norm_backward(batch, rows, features_, x.f32(), output_grad.f32(), scale_ ? gamma()->value.f32() : nullptr,
                           batch ? batch_mean_.f32() : moving_mean().value.f32(),
                           batch ? batch_variance_.f32() : moving_variance().value.f32(), epsilon_, dx,
                           scale_ ? gamma()->grad.f32() : nullptr, center_ ? beta()->grad.f32() : nullptr);
}

layer_spec batch_normalization_layer::config() const
{
    batch_normalization_options o = options_;  // its regularizers and constraints
    o.axis = axis_;
    o.momentum = momentum_;
    o.epsilon = epsilon_;
    o.center = center_;
    o.scale = scale_;
    return {name(), o};
}

const layer_class& batch_normalization_layer::description()
{
    static const layer_class description{
        "BatchNormalization",
        "normalises the last axis by batch statistics in training, moving averages at inference",
        {
            {"axis", value_kind::integer, "-1", "the normalised axis (only the last, -1, is supported)"},
            {"momentum", value_kind::number, "0.99", "decay of the moving mean and variance"},
            {"epsilon", value_kind::number, "0.001", "added to the variance for stability"},
            {"center", value_kind::boolean, "true", "learn an offset beta"},
            {"scale", value_kind::boolean, "true", "learn a factor gamma"},
        },
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<batch_normalization_layer>(spec.name, std::get<batch_normalization_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
