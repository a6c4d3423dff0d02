#include "mlrun/layers/dropout.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"

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

}  // namespace mlrun
