#include "mlrun/layers/structural_layers.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {
namespace {

void copy(backend& be, const tensor& src, tensor& dst)
{
    be.axpby(src.size(), 1.0f, src.f32(), 0.0f, dst.f32());
}

}  // namespace

// ---- Input

input_layer::input_layer(const std::string& name, const input_options& options)
    : layer(name), shape_(options.shape)
{
    for (std::int64_t d : shape_.dims()) {
        if (d < 1) throw config_error("layer '" + name + "': Input shape " + shape_.to_string() + " has a dimension < 1");
    }
}

shape input_layer::build(const std::vector<shape>&, rng&) { return shape_; }

void input_layer::forward(forward_context&, const std::vector<const tensor*>&, tensor&)
{
    throw std::logic_error("input_layer::forward: the model feeds inputs directly");
}

void input_layer::backward(backend&, const std::vector<const tensor*>&, const tensor&, const tensor&,
                           const std::vector<tensor*>&)
{
}

layer_spec input_layer::config() const
{
    input_options o;
    o.shape = shape_.dims();
    return {name(), o};
}

const layer_class& input_layer::description()
{
    static const layer_class description{
        "Input",
        "a model input of the given per-sample shape",
        {{"shape", value_kind::integer_list, "", "per-sample shape, e.g. [784]", {}, true}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<input_layer>(spec.name, std::get<input_options>(spec.options));
        },
    };
    return description;
}

// ---- Flatten

flatten_layer::flatten_layer(const std::string& name, const flatten_options&) : layer(name) {}

shape flatten_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    return {input_shapes.at(0).element_count()};
}

void flatten_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape({batch, x.size() / std::max<std::int64_t>(batch, 1)});
    copy(ctx.be, x, output);
}

void flatten_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                             const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    if (input_grads[0] == nullptr) return;
    input_grads[0]->reshape(inputs[0]->dims());
    copy(be, output_grad, *input_grads[0]);
}

layer_spec flatten_layer::config() const { return {name(), flatten_options{}}; }

const layer_class& flatten_layer::description()
{
    static const layer_class description{
        "Flatten",
        "reshapes each sample to one axis",
        {},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<flatten_layer>(spec.name, std::get<flatten_options>(spec.options));
        },
    };
    return description;
}

// ---- Add

add_layer::add_layer(const std::string& name, const add_options&) : layer(name) {}

shape add_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    for (const shape& s : input_shapes) {
        if (s != input_shapes[0]) {
            throw model_error("layer '" + name() + "' (Add) needs inputs of one shape, found " +
                              input_shapes[0].to_string() + " and " + s.to_string());
        }
    }
    return input_shapes[0];
}

void add_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    output.reshape(inputs[0]->dims());
    copy(ctx.be, *inputs[0], output);
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        ctx.be.axpby(output.size(), 1.0f, inputs[i]->f32(), 1.0f, output.f32());
    }
}

void add_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                         const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (input_grads[i] == nullptr) continue;
        input_grads[i]->reshape(output_grad.dims());
        copy(be, output_grad, *input_grads[i]);
    }
}

layer_spec add_layer::config() const { return {name(), add_options{}}; }

const layer_class& add_layer::description()
{
    static const layer_class description{
        "Add",
        "element-wise sum of its inputs (all of one shape)",
        {},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<add_layer>(spec.name, std::get<add_options>(spec.options));
        },
    };
    return description;
}

// ---- Concatenate

concatenate_layer::concatenate_layer(const std::string& name, const concatenate_options& options) : layer(name)
{
    const int axis = options.axis;
    if (axis != -1) {
        throw config_error("layer '" + name + "': Concatenate supports axis -1 (the last axis), found " +
                           std::to_string(axis));
    }
}

shape concatenate_layer::build(const std::vector<shape>& input_shapes, rng&)
{
    const shape& first = input_shapes[0];
    if (first.rank() == 0) throw model_error("layer '" + name() + "' (Concatenate) cannot join scalars");
    shape out = first;
    widths_.clear();
    total_width_ = 0;
    for (const shape& s : input_shapes) {
        bool same_outer = s.rank() == first.rank();
        for (std::size_t a = 0; same_outer && a + 1 < s.rank(); ++a) same_outer = s[a] == first[a];
        if (!same_outer) {
            throw model_error("layer '" + name() + "' (Concatenate) needs inputs that differ only in the last axis, found " +
                              first.to_string() + " and " + s.to_string());
        }
        widths_.push_back(s[s.rank() - 1]);
        total_width_ += widths_.back();
    }
    out[out.rank() - 1] = total_width_;
    return out;
}

// Both directions copy row slices with gemm-free axpby calls, one per input
// and row; the rows of an MLP batch are long enough for this to be cheap.
void concatenate_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    std::vector<std::int64_t> dims = inputs[0]->dims().dims();
    dims.back() = total_width_;
    output.reshape(shape(dims));
    const std::int64_t rows = output.size() / total_width_;
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        for (std::int64_t r = 0; r < rows; ++r) {
            ctx.be.axpby(widths_[i], 1.0f, inputs[i]->f32() + r * widths_[i], 0.0f,
                         output.f32() + r * total_width_ + offset);
        }
        offset += widths_[i];
    }
}

void concatenate_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor&,
                                 const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const std::int64_t rows = output_grad.size() / total_width_;
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (input_grads[i] != nullptr) {
            input_grads[i]->reshape(inputs[i]->dims());
            for (std::int64_t r = 0; r < rows; ++r) {
                be.axpby(widths_[i], 1.0f, output_grad.f32() + r * total_width_ + offset, 0.0f,
                         input_grads[i]->f32() + r * widths_[i]);
            }
        }
        offset += widths_[i];
    }
}

layer_spec concatenate_layer::config() const { return {name(), concatenate_options{}}; }

const layer_class& concatenate_layer::description()
{
    static const layer_class description{
        "Concatenate",
        "joins its inputs along the last axis",
        {{"axis", value_kind::integer, "-1", "the axis to join along (only -1 is supported)"}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<concatenate_layer>(spec.name, std::get<concatenate_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
