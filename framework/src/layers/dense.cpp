#include "mlrun/layers/dense.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/initializer.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {

dense_layer::dense_layer(const std::string& name, const dense_options& options)
    : layer(name),
      units_(options.units),
      activation_(parse_activation(options.activation)),
      use_bias_(options.use_bias),
      kernel_initializer_(options.kernel_initializer),
      bias_initializer_(options.bias_initializer)
{
    if (units_ < 1) throw config_error("layer '" + name + "': units must be at least 1, found " + std::to_string(units_));
    check_initializer(kernel_initializer_);
    check_initializer(bias_initializer_);
    regularization_ = options;
    set_weight_regularization(regularization_);
}

shape dense_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const shape& in = input_shapes.at(0);
    if (in.rank() != 1) {
        throw model_error("layer '" + name() + "' (Dense) expects flat inputs of shape (units,), found " +
                          in.to_string() + "; put a Flatten layer before it");
    }
    input_units_ = in[0];
    parameter& kernel = add_parameter("kernel", {input_units_, units_});
    initialize(kernel.value, kernel_initializer_, input_units_, units_, init);
    if (use_bias_) {
        parameter& bias = add_parameter("bias", {units_});
        initialize(bias.value, bias_initializer_, input_units_, units_, init);
    }
    return {units_};
}

void dense_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape({batch, units_});
    const bool has_activation = activation_ != activation_kind::linear;
    tensor& z = has_activation ? preactivation_ : output;
    if (has_activation) z.reshape({batch, units_});
    matmul(ctx.be, false, false, batch, units_, input_units_, x.f32(), input_units_, parameters()[0].value.f32(),
           units_, z.f32(), units_);
    if (use_bias_) ctx.be.bias_add(batch, units_, parameters()[1].value.f32(), z.f32());
    if (has_activation) apply_activation(ctx.be, activation_, batch, units_, z.f32(), output.f32());
}

void dense_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                           const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    const float* dz = output_grad.f32();
    if (activation_ != activation_kind::linear && !gradient_at_preactivation()) {
        preactivation_grad_.reshape({batch, units_});
        apply_activation_gradient(be, activation_, batch, units_, preactivation_.f32(), output.f32(),
                                  output_grad.f32(), preactivation_grad_.f32());
        dz = preactivation_grad_.f32();
    }
    // dkernel = x^T dz, dbias = column sums of dz, dx = dz kernel^T.
    matmul(be, true, false, input_units_, units_, batch, x.f32(), input_units_, dz, units_, parameters()[0].grad.f32(),
           units_);
    if (use_bias_) be.bias_grad(batch, units_, dz, parameters()[1].grad.f32());
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape({batch, input_units_});
        matmul(be, false, true, batch, input_units_, units_, dz, units_, parameters()[0].value.f32(), units_,
               input_grads[0]->f32(), input_units_);
    }
}

layer_spec dense_layer::config() const
{
    dense_options o;
    static_cast<weight_regularization&>(o) = regularization_;
    o.units = units_;
    o.activation = activation_name(activation_);
    o.use_bias = use_bias_;
    o.kernel_initializer = kernel_initializer_;
    o.bias_initializer = bias_initializer_;
    return {name(), o};
}

const layer_class& dense_layer::description()
{
    static const layer_class description{
        "Dense",
        "fully connected layer: activation(input . kernel + bias)",
        {
            {"units", value_kind::integer, "", "number of output units", {}, true},
            {"activation", value_kind::string, "linear", "activation applied to the output", activation_names()},
            {"use_bias", value_kind::boolean, "true", "whether to add a bias vector"},
            {"kernel_initializer", value_kind::string, "glorot_uniform", "initialiser of the kernel",
             initializer_names()},
            {"bias_initializer", value_kind::string, "zeros", "initialiser of the bias", initializer_names()},
        },
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<dense_layer>(spec.name, std::get<dense_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
