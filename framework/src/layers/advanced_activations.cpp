#include "mlrun/layers/advanced_activations.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/initializer.hpp"
#include "mlrun/layers/layer_registry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace mlrun {
namespace {

std::string number_text(float v)
{
    std::ostringstream out;
    out << v;
    return out.str();
}

}  // namespace

// ---- ELU and ReLU

elementwise_activation_layer::elementwise_activation_layer(const std::string& name, const layer_options& options)
    : layer(name), options_(options), elu_(std::holds_alternative<elu_options>(options))
{
    const std::string where = "layer '" + name + "' (" + class_name_of(options) + ")";
    if (elu_) {
        alpha_ = std::get<elu_options>(options).alpha;
        if (!std::isfinite(alpha_)) throw config_error(where + ": alpha must be a finite number");
        return;
    }
    const auto& o = std::get<relu_options>(options);
    has_max_ = o.max_value.has_value();
    max_value_ = o.max_value.value_or(0.0f);
    negative_slope_ = o.negative_slope;
    threshold_ = o.threshold;
    // Keras's own checks.
    if (has_max_ && !(max_value_ >= 0.0f)) {
        throw config_error(where + ": max_value must be >= 0 (or null: no ceiling), found " + number_text(max_value_));
    }
    if (!(negative_slope_ >= 0.0f) || !std::isfinite(negative_slope_)) {
        throw config_error(where + ": negative_slope must be >= 0, found " + number_text(negative_slope_));
    }
    if (!std::isfinite(threshold_)) throw config_error(where + ": threshold must be a finite number");
}

float elementwise_activation_layer::value(float x) const
{
    if (elu_) return x > 0.0f ? x : alpha_ * std::expm1(x);
    if (has_max_ && x >= max_value_) return max_value_;
    return x >= threshold_ ? x : negative_slope_ * (x - threshold_);
}

float elementwise_activation_layer::slope(float x) const
{
    if (elu_) return x > 0.0f ? 1.0f : alpha_ * std::exp(x);
    if (has_max_ && x >= max_value_) return 0.0f;
    return x >= threshold_ ? 1.0f : negative_slope_;
}

void elementwise_activation_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(x.dims());
    for (std::int64_t i = 0; i < x.size(); ++i) output.f32()[i] = value(x.f32()[i]);
}

void elementwise_activation_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                                            const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    tensor* dx = input_grads[0];
    if (dx == nullptr) return;
    const tensor& x = *inputs[0];
    dx->reshape(x.dims());
    for (std::int64_t i = 0; i < x.size(); ++i) dx->f32()[i] = output_grad.f32()[i] * slope(x.f32()[i]);
}

const layer_class& elementwise_activation_layer::elu_description()
{
    static const layer_class description{
        "ELU",
        "exponential linear unit: x for x > 0, alpha * (exp(x) - 1) below",
        {{"alpha", value_kind::number, "1.0", "the scale of the negative part"}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<elementwise_activation_layer>(spec.name, spec.options);
        },
    };
    return description;
}

const layer_class& elementwise_activation_layer::relu_description()
{
    static const layer_class description{
        "ReLU",
        "rectified linear unit: max_value from max_value up, x from threshold up, negative_slope * (x - threshold) below",
        {{"max_value", value_kind::number, "null", "the ceiling, >= 0 (null: none)"},
         with_range({"negative_slope", value_kind::number, "0.0", "the slope below threshold"},
                    {0.0, false, std::numeric_limits<double>::infinity(), false}),
         {"threshold", value_kind::number, "0.0", "where the unit switches from the slope to x"}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<elementwise_activation_layer>(spec.name, spec.options);
        },
    };
    return description;
}

// ---- PReLU

prelu_layer::prelu_layer(const std::string& name, const prelu_options& options) : layer(name), options_(options)
{
    set_weight_penalties(options);
    check_initializer(options_.alpha_initializer);
}

shape prelu_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const shape& in = input_shapes.at(0);
    const std::string where = "layer '" + name() + "' (PReLU)";
    std::vector<std::int64_t> alpha_dims = in.dims();
    for (std::int64_t axis : options_.shared_axes) {
        if (axis < 1 || axis > static_cast<std::int64_t>(in.rank())) {
            throw model_error(where + ": shared_axes has axis " + std::to_string(axis) + "; its input " + in.to_string() +
                              " has axes 1.." + std::to_string(in.rank()) + " (counted from 1 as Keras counts them)");
        }
        alpha_dims[static_cast<std::size_t>(axis - 1)] = 1;
    }
    parameter& alpha = add_parameter("alpha", shape(alpha_dims));
    const std::int64_t cells = in.element_count();
    initialize(alpha.value, options_.alpha_initializer, cells, cells, init);
    // Each input cell's alpha: its index with the shared axes at 0.
    const std::size_t rank = in.rank();
    std::vector<std::int64_t> alpha_stride(rank, 1);
    for (std::size_t a = rank; a-- > 1;) alpha_stride[a - 1] = alpha_stride[a] * alpha_dims[a];
    alpha_of_.assign(static_cast<std::size_t>(cells), 0);
    std::vector<std::int64_t> index(rank, 0);
    for (std::int64_t c = 0; c < cells; ++c) {
        std::int64_t at = 0;
        for (std::size_t a = 0; a < rank; ++a) at += (alpha_dims[a] == 1 ? 0 : index[a]) * alpha_stride[a];
        alpha_of_[static_cast<std::size_t>(c)] = at;
        for (std::size_t a = rank; a-- > 0;) {
            if (++index[a] < in[a]) break;
            index[a] = 0;
        }
    }
    return in;
}

void prelu_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    output.reshape(x.dims());
    const float* alpha = parameters()[0].value.f32();
    const auto cells = static_cast<std::int64_t>(alpha_of_.size());
    for (std::int64_t i = 0; i < x.size(); ++i) {
        const float v = x.f32()[i];
        output.f32()[i] = v > 0.0f ? v : alpha[alpha_of_[static_cast<std::size_t>(i % cells)]] * v;
    }
}

void prelu_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                           const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    parameter& alpha = parameters()[0];
    std::fill(alpha.grad.f32(), alpha.grad.f32() + alpha.grad.size(), 0.0f);
    tensor* dx = input_grads[0];
    if (dx != nullptr) dx->reshape(x.dims());
    const auto cells = static_cast<std::int64_t>(alpha_of_.size());
    for (std::int64_t i = 0; i < x.size(); ++i) {
        const float v = x.f32()[i];
        const float g = output_grad.f32()[i];
        const std::int64_t a = alpha_of_[static_cast<std::size_t>(i % cells)];
        if (v <= 0.0f) alpha.grad.f32()[a] += g * v;
        if (dx != nullptr) dx->f32()[i] = v > 0.0f ? g : g * alpha.value.f32()[a];
    }
}

const layer_class& prelu_layer::description()
{
    static const layer_class description{
        "PReLU",
        "parametric ReLU: x for x > 0, alpha * x below, with alpha learned per input cell",
        {{"alpha_initializer", value_kind::string, "zeros", "initialiser of alpha", initializer_names()},
         {"shared_axes", value_kind::integer_list, "[]",
          "axes (counted from 1) along which one alpha is shared, e.g. [1, 2] for one per channel of an image"}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<prelu_layer>(spec.name, std::get<prelu_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
