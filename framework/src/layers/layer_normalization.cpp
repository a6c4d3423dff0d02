#include "mlrun/layers/layer_normalization.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {

layer_normalization_layer::layer_normalization_layer(const std::string& name, const layer_normalization_options& options)
    : layer(name), options_(options)
{
    set_weight_penalties(options);
    if (!(options.epsilon > 0.0f)) {
        throw config_error("layer '" + name + "': LayerNormalization epsilon must be positive, found " +
                           std::to_string(options.epsilon));
    }
}

shape layer_normalization_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    // Keras counts the batch axis: the last axis of a per-sample shape of rank r is r, or -1.
    if (in.rank() == 0 || (options_.axis != -1 && options_.axis != static_cast<int>(in.rank()))) {
        throw model_error("layer '" + name() + "' (LayerNormalization) normalises the last axis (axis -1); found axis " +
                          std::to_string(options_.axis) + " for inputs of shape " + in.to_string());
    }
    features_ = in[in.rank() - 1];
    auto filled = [](parameter& p, float value) {
        for (std::int64_t i = 0; i < p.value.size(); ++i) p.value.f32()[i] = value;
    };
    if (options_.scale) filled(add_parameter("gamma", {features_}), 1.0f);
    if (options_.center) filled(add_parameter("beta", {features_}), 0.0f);
    return in;
}

void layer_normalization_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(x.dims());
    const std::int64_t rows = x.size() / features_;
    mean_.reshape({rows});
    variance_.reshape({rows});
    const float* gamma = options_.scale ? parameters()[0].value.f32() : nullptr;
    const float* beta = options_.center ? parameters()[options_.scale ? 1 : 0].value.f32() : nullptr;
    ctx.be.layer_norm_forward(rows, features_, x.f32(), gamma, beta, options_.epsilon, output.f32(), mean_.f32(),
                              variance_.f32());
}

void layer_normalization_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                                         const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t rows = x.size() / features_;
    const float* gamma = options_.scale ? parameters()[0].value.f32() : nullptr;
    float* dgamma = options_.scale ? parameters()[0].grad.f32() : nullptr;
    float* dbeta = options_.center ? parameters()[options_.scale ? 1 : 0].grad.f32() : nullptr;
    float* dx = nullptr;
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        dx = input_grads[0]->f32();
    }
    be.layer_norm_backward(rows, features_, x.f32(), output_grad.f32(), gamma, mean_.f32(), variance_.f32(),
                           options_.epsilon, dx, dgamma, dbeta);
}

const layer_class& layer_normalization_layer::description()
{
    static const layer_class description{
        "LayerNormalization",
        "normalises each position's features (the last axis) by their own mean and variance",
        {
            {"axis", value_kind::integer, "-1", "the normalised axis (only the last, -1, is supported)"},
            {"epsilon", value_kind::number, "0.001", "added to the variance for stability"},
            {"center", value_kind::boolean, "true", "learn an offset beta"},
            {"scale", value_kind::boolean, "true", "learn a factor gamma"},
        },
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<layer_normalization_layer>(spec.name, std::get<layer_normalization_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
