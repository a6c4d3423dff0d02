#include "mlrun/layers/activation_layer.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {

activation_layer::activation_layer(const std::string& name, const activation_options& options)
    : layer(name), activation_(parse_activation(options.activation))
{
}

shape activation_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& in = input_shapes.at(0);
    cols_ = in.rank() == 0 ? 1 : in[in.rank() - 1];
    return in;
}

void activation_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    input_ = &x;
    output.reshape(x.dims());
    apply_activation(ctx.be, activation_, x.size() / cols_, cols_, x.f32(), output.f32());
}

void activation_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                                const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    tensor* dx = input_grads[0];
    if (dx == nullptr) return;
    dx->reshape(output_grad.dims());
    if (gradient_at_preactivation()) {
        be.axpby(output_grad.size(), 1.0f, output_grad.f32(), 0.0f, dx->f32());
        return;
    }
    apply_activation_gradient(be, activation_, output.size() / cols_, cols_, inputs[0]->f32(), output.f32(),
                              output_grad.f32(), dx->f32());
}

layer_spec activation_layer::config() const
{
    activation_options o;
    o.activation = activation_name(activation_);
    return {name(), o};
}

const layer_class& activation_layer::description()
{
    static const layer_class description{
        "Activation",
        "applies an activation function",
        {{"activation", value_kind::string, "", "the activation", activation_names(), true}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<activation_layer>(spec.name, std::get<activation_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
