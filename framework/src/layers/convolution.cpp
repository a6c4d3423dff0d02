#include "mlrun/layers/convolution.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/initializer.hpp"
#include "mlrun/layers/layer_registry.hpp"

namespace mlrun {
namespace {

// ---- the backend's convolution, for one batch

mlrun_conv2d_shape kernel_shape(const conv_geometry& g, std::int64_t batch)
{
    mlrun_conv2d_shape s{};
    s.batch = batch;
    s.in_height = g.rows.input;
    s.in_width = g.cols.input;
    s.in_channels = g.in_channels;
    s.out_height = g.rows.output;
    s.out_width = g.cols.output;
    s.out_channels = g.out_channels;
    s.kernel_height = g.rows.window;
    s.kernel_width = g.cols.window;
    s.stride_height = g.rows.stride;
    s.stride_width = g.cols.stride;
    s.dilation_height = g.rows.dilation;
    s.dilation_width = g.cols.dilation;
    s.pad_top = g.rows.pad_before;
    s.pad_bottom = g.rows.pad_after;
    s.pad_left = g.cols.pad_before;
    s.pad_right = g.cols.pad_after;
    s.groups = g.groups;
    return s;
}

// Each in the precision of the layer's policy (`self`).
void convolve(const layer& self, backend& be, const conv_geometry& g, std::int64_t batch, const float* x,
              const float* w, float* y)
{
    if (self.bf16_products()) {
        be.conv2d_forward_bf16(kernel_shape(g, batch), x, w, y);
    } else {
        be.conv2d_forward(kernel_shape(g, batch), x, w, y);
    }
}

void convolve_backward_data(const layer& self, backend& be, const conv_geometry& g, std::int64_t batch,
                            const float* dy, const float* w, float* dx)
{
    if (self.bf16_products()) {
        be.conv2d_backward_data_bf16(kernel_shape(g, batch), w, dy, dx);
    } else {
        be.conv2d_backward_data(kernel_shape(g, batch), w, dy, dx);
    }
}

void convolve_backward_weights(const layer& self, backend& be, const conv_geometry& g, std::int64_t batch,
                               const float* x, const float* dy, float* dw)
{
    if (self.bf16_products()) {
        be.conv2d_backward_weights_bf16(kernel_shape(g, batch), x, dy, dw);
    } else {
        be.conv2d_backward_weights(kernel_shape(g, batch), x, dy, dw);
    }
}

// ---- settings

std::string where_of(const std::string& name, const char* class_name)
{
    return "layer '" + name + "' (" + class_name + ")";
}

void check_common(const std::string& where, std::int64_t filters, bool needs_filters, const std::string& padding,
                  const std::string& data_format, const std::string& activation, const std::string& init_a,
                  const std::string& init_b)
{
    if (needs_filters && filters < 1) {
        throw config_error(where + ": filters must be at least 1, found " + std::to_string(filters));
    }
    parse_padding(padding, where);
    check_channels_last(data_format, where);
    parse_activation(activation);
    check_initializer(init_a);
    check_initializer(init_b);
}

// Samples [rows, cols, channels] (rank 3) or [steps, channels] (rank 2, one row).
void spatial_input(const shape& in, std::size_t rank, const std::string& where, std::int64_t& rows,
                   std::int64_t& cols, std::int64_t& channels)
{
    if (in.rank() != rank + 1) {
        throw model_error(where + " expects samples of shape " +
                          (rank == 2 ? std::string("(rows, cols, channels)") : std::string("(steps, channels)")) +
                          ", found " + in.to_string() +
                          (in.rank() == rank ? "; give the input a channels axis, e.g. input_shape: [" +
                                                   std::to_string(in[0]) + (rank == 2 ? ", " + std::to_string(in[1]) : "") +
                                                   ", 1]"
                                             : ""));
    }
    rows = rank == 2 ? in[0] : 1;
    cols = in[rank - 1];
    channels = in[rank];
}

shape output_shape(std::size_t rank, const conv_geometry& g)
{
    if (rank == 1) return {g.cols.output, g.out_channels};
    return {g.rows.output, g.cols.output, g.out_channels};
}

// Gives `t` the batch's output_shape(rank, g) in place: building that shape
// would allocate in every training step.
void reshape_output(tensor& t, std::size_t rank, const conv_geometry& g, std::int64_t batch)
{
    if (rank == 1) t.reshape({batch, g.cols.output, g.out_channels});
    else t.reshape({batch, g.rows.output, g.cols.output, g.out_channels});
}

// Keras's fans of a kernel: receptive field times its input / output axes.
void initialize_kernel(parameter& kernel, const std::string& initializer, rng& init)
{
    const shape& d = kernel.value.dims();
    std::int64_t field = 1;
    for (std::size_t i = 0; i + 2 < d.rank(); ++i) field *= d[i];
    initialize(kernel.value, initializer, d[d.rank() - 2] * field, d[d.rank() - 1] * field, init);
}

std::vector<key_spec> window_keys(std::size_t rank, bool with_filters, bool with_multiplier)
{
    const std::string pair = rank == 1 ? "" : " (one value for both axes, or [rows, cols])";
    std::vector<key_spec> keys;
    if (with_filters) keys.push_back({"filters", value_kind::integer, "", "number of output channels", {}, true});
    keys.push_back({"kernel_size", value_kind::integer_tuple, "", "size of the window" + pair, {}, true});
    keys.push_back({"strides", value_kind::integer_tuple, "1", "step of the window" + pair});
    keys.push_back({"padding", value_kind::string, "valid",
                    "valid: no padding; same: output size ceil(input / stride), padded as TensorFlow pads",
                    {"valid", "same"}});
    keys.push_back({"data_format", value_kind::string, "channels_last", "samples are [rows, cols, channels]",
                    {"channels_last"}});
    keys.push_back({"dilation_rate", value_kind::integer_tuple, "1", "spacing of the window's cells" + pair});
    if (with_multiplier) {
        keys.push_back({"depth_multiplier", value_kind::integer, "1", "output channels per input channel"});
    }
    return keys;
}

void add_output_keys(std::vector<key_spec>& keys, const std::vector<const char*>& initializers)
{
    keys.push_back({"activation", value_kind::string, "linear", "activation applied to the output", activation_names()});
    keys.push_back({"use_bias", value_kind::boolean, "true", "whether to add a bias vector"});
    for (const char* name : initializers) {
        const std::string key = name;
        keys.push_back({key, value_kind::string, key == "bias_initializer" ? "zeros" : "glorot_uniform",
                        "initialiser of the " + key.substr(0, key.size() - 12), initializer_names()});
    }
}

conv2d_options as_2d(const conv1d_options& o)
{
    conv2d_options t;
    static_cast<weight_regularization&>(t) = o;
    t.filters = o.filters;
    t.kernel_size = {1, o.kernel_size[0]};
    t.strides = {1, o.strides[0]};
    t.padding = o.padding;
    t.data_format = o.data_format;
    t.dilation_rate = {1, o.dilation_rate[0]};
    t.groups = o.groups;
    t.activation = o.activation;
    t.use_bias = o.use_bias;
    t.kernel_initializer = o.kernel_initializer;
    t.bias_initializer = o.bias_initializer;
    return t;
}

parameter* bias_of(layer& l, bool use_bias, std::size_t index)
{
    return use_bias ? &l.parameters()[index] : nullptr;
}

}  // namespace

// ---- bias and activation

tensor& conv_output::target(tensor& output)
{
    if (activation_ == activation_kind::linear) return output;
    preactivation_.reshape(output.dims());
    return preactivation_;
}

void conv_output::finish(backend& be, const float* bias, tensor& output)
{
    const std::int64_t channels = output.dims()[output.dims().rank() - 1];
    const std::int64_t rows = output.size() / channels;
    float* z = activation_ == activation_kind::linear ? output.f32() : preactivation_.f32();
    if (use_bias_) be.bias_add(rows, channels, bias, z);
    if (activation_ != activation_kind::linear) apply_activation(be, activation_, rows, channels, z, output.f32());
}

const float* conv_output::preactivation_grad(backend& be, const tensor& output, const tensor& output_grad,
                                             bool at_preactivation, float* bias_grad)
{
    const std::int64_t channels = output.dims()[output.dims().rank() - 1];
    const std::int64_t rows = output.size() / channels;
    const float* dz = output_grad.f32();
    if (activation_ != activation_kind::linear && !at_preactivation) {
        preactivation_grad_.reshape(output.dims());
        apply_activation_gradient(be, activation_, rows, channels, preactivation_.f32(), output.f32(), output_grad.f32(),
                                  preactivation_grad_.f32());
        dz = preactivation_grad_.f32();
    }
    if (use_bias_) be.bias_grad(rows, channels, dz, bias_grad);
    return dz;
}

// ---- Conv1D, Conv2D

conv_layer::conv_layer(const std::string& name, const conv1d_options& options)
    : layer(name), rank_(1), options_(as_2d(options)), out_(parse_activation(options.activation), options.use_bias)
{
    check_settings();
}

conv_layer::conv_layer(const std::string& name, const conv2d_options& options)
    : layer(name), rank_(2), options_(options), out_(parse_activation(options.activation), options.use_bias)
{
    check_settings();
}

void conv_layer::check_settings()
{
    set_weight_regularization(options_);
    const std::string where = where_of(name(), rank_ == 1 ? "Conv1D" : "Conv2D");
    check_common(where, options_.filters, true, options_.padding, options_.data_format, options_.activation,
                 options_.kernel_initializer, options_.bias_initializer);
    check_positive(options_.kernel_size, "kernel_size", where);
    check_positive(options_.strides, "strides", where);
    check_positive(options_.dilation_rate, "dilation_rate", where);
    if (options_.groups < 1) throw config_error(where + ": groups must be at least 1, found " + std::to_string(options_.groups));
    if (options_.filters % options_.groups != 0) {
        throw config_error(where + ": filters (" + std::to_string(options_.filters) + ") must be a multiple of groups (" +
                           std::to_string(options_.groups) + ")");
    }
    const bool strided = options_.strides[0] > 1 || options_.strides[1] > 1;
    const bool dilated = options_.dilation_rate[0] > 1 || options_.dilation_rate[1] > 1;
    if (strided && dilated) {
        throw config_error(where + ": strides " + tuple_text(options_.strides) + " with dilation_rate " +
                           tuple_text(options_.dilation_rate) + "; Keras allows strides > 1 or dilation_rate > 1, not both");
    }
}

std::string conv_layer::size_setting() const { return "filters: " + std::to_string(options_.filters); }

shape conv_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const std::string where = "layer '" + name() + "' (" + class_name() + ")";
    std::int64_t rows = 0, cols = 0, channels = 0;
    spatial_input(input_shapes.at(0), rank_, where, rows, cols, channels);
    if (channels % options_.groups != 0) {
        throw model_error(where + ": its input has " + std::to_string(channels) +
                          " channels, not a multiple of groups (" + std::to_string(options_.groups) + ")");
    }
    const padding_kind padding = parse_padding(options_.padding, where);
    geometry_.rows = slide(rows, options_.kernel_size[0], options_.strides[0], options_.dilation_rate[0], padding,
                           "the kernel", where);
    geometry_.cols = slide(cols, options_.kernel_size[1], options_.strides[1], options_.dilation_rate[1], padding,
                           "the kernel", where);
    geometry_.in_channels = channels;
    geometry_.out_channels = options_.filters;
    geometry_.groups = options_.groups;
    const shape kernel_dims = rank_ == 1 ? shape{options_.kernel_size[1], channels / options_.groups, options_.filters}
                                         : shape{options_.kernel_size[0], options_.kernel_size[1],
                                                 channels / options_.groups, options_.filters};
    initialize_kernel(add_parameter("kernel", kernel_dims), options_.kernel_initializer, init);
    if (out_.use_bias()) {
        parameter& bias = add_parameter("bias", {options_.filters});
        initialize(bias.value, options_.bias_initializer, channels, options_.filters, init);
    }
    return output_shape(rank_, geometry_);
}

void conv_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    reshape_output(output, rank_, geometry_, batch);
    tensor& z = out_.target(output);
    convolve(*this, ctx.be, geometry_, batch, x.f32(), parameters()[0].value.f32(), z.f32());
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    out_.finish(ctx.be, bias != nullptr ? bias->value.f32() : nullptr, output);
}

void conv_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                          const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    const float* dz = out_.preactivation_grad(be, output, output_grad, gradient_at_preactivation(),
                                              bias != nullptr ? bias->grad.f32() : nullptr);
    convolve_backward_weights(*this, be, geometry_, batch, x.f32(), dz, parameters()[0].grad.f32());
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        convolve_backward_data(*this, be, geometry_, batch, dz, parameters()[0].value.f32(), input_grads[0]->f32());
    }
}

layer_spec conv_layer::config() const
{
    if (rank_ == 2) return {name(), options_};
    conv1d_options o;
    static_cast<weight_regularization&>(o) = options_;
    o.filters = options_.filters;
    o.kernel_size = {options_.kernel_size[1]};
    o.strides = {options_.strides[1]};
    o.padding = options_.padding;
    o.data_format = options_.data_format;
    o.dilation_rate = {options_.dilation_rate[1]};
    o.groups = options_.groups;
    o.activation = options_.activation;
    o.use_bias = options_.use_bias;
    o.kernel_initializer = options_.kernel_initializer;
    o.bias_initializer = options_.bias_initializer;
    return {name(), o};
}

namespace {

std::vector<key_spec> conv_keys(std::size_t rank)
{
    std::vector<key_spec> keys = window_keys(rank, true, false);
    keys.push_back({"groups", value_kind::integer, "1",
                    "channel groups convolved independently (input channels and filters divide by it)"});
    add_output_keys(keys, {"kernel_initializer", "bias_initializer"});
    return keys;
}

}  // namespace

const layer_class& conv_layer::conv1d_description()
{
    static const layer_class description{
        "Conv1D",
        "1-D convolution over samples [steps, channels]: activation(convolution(input, kernel) + bias)",
        conv_keys(1),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<conv_layer>(spec.name, std::get<conv1d_options>(spec.options));
        },
    };
    return description;
}

const layer_class& conv_layer::conv2d_description()
{
    static const layer_class description{
        "Conv2D",
        "2-D convolution over images [rows, cols, channels]: activation(convolution(input, kernel) + bias)",
        conv_keys(2),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<conv_layer>(spec.name, std::get<conv2d_options>(spec.options));
        },
    };
    return description;
}

// ---- DepthwiseConv2D

depthwise_conv2d_layer::depthwise_conv2d_layer(const std::string& name, const depthwise_conv2d_options& options)
    : layer(name), options_(options), out_(parse_activation(options.activation), options.use_bias)
{
    const std::string where = where_of(name, "DepthwiseConv2D");
    set_weight_penalties(options);
    check_common(where, 0, false, options.padding, options.data_format, options.activation,
                 options.depthwise_initializer, options.bias_initializer);
    check_positive(options.kernel_size, "kernel_size", where);
    check_positive(options.strides, "strides", where);
    check_positive(options.dilation_rate, "dilation_rate", where);
    if (options.depth_multiplier < 1) {
        throw config_error(where + ": depth_multiplier must be at least 1, found " +
                           std::to_string(options.depth_multiplier));
    }
}

shape depthwise_conv2d_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const std::string where = where_of(name(), "DepthwiseConv2D");
    std::int64_t rows = 0, cols = 0, channels = 0;
    spatial_input(input_shapes.at(0), 2, where, rows, cols, channels);
    const padding_kind padding = parse_padding(options_.padding, where);
    geometry_.rows = slide(rows, options_.kernel_size[0], options_.strides[0], options_.dilation_rate[0], padding,
                           "the kernel", where);
    geometry_.cols = slide(cols, options_.kernel_size[1], options_.strides[1], options_.dilation_rate[1], padding,
                           "the kernel", where);
    geometry_.in_channels = channels;
    geometry_.out_channels = channels * options_.depth_multiplier;
    geometry_.groups = channels;
    // [h, w, channels, multiplier] is the grouped kernel [h, w, 1, channels * multiplier] in memory.
    initialize_kernel(add_parameter("depthwise_kernel", {options_.kernel_size[0], options_.kernel_size[1], channels,
                                                         options_.depth_multiplier}),
                      options_.depthwise_initializer, init);
    if (out_.use_bias()) {
        parameter& bias = add_parameter("bias", {geometry_.out_channels});
        initialize(bias.value, options_.bias_initializer, channels, geometry_.out_channels, init);
    }
    return output_shape(2, geometry_);
}

void depthwise_conv2d_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    reshape_output(output, 2, geometry_, batch);
    tensor& z = out_.target(output);
    convolve(*this, ctx.be, geometry_, batch, x.f32(), parameters()[0].value.f32(), z.f32());
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    out_.finish(ctx.be, bias != nullptr ? bias->value.f32() : nullptr, output);
}

void depthwise_conv2d_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                                      const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    const float* dz = out_.preactivation_grad(be, output, output_grad, gradient_at_preactivation(),
                                              bias != nullptr ? bias->grad.f32() : nullptr);
    convolve_backward_weights(*this, be, geometry_, batch, x.f32(), dz, parameters()[0].grad.f32());
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        convolve_backward_data(*this, be, geometry_, batch, dz, parameters()[0].value.f32(), input_grads[0]->f32());
    }
}

const layer_class& depthwise_conv2d_layer::description()
{
    static const layer_class description{
        "DepthwiseConv2D",
        "each input channel convolved with its own depth_multiplier filters",
        [] {
            std::vector<key_spec> keys = window_keys(2, false, true);
            add_output_keys(keys, {"depthwise_initializer", "bias_initializer"});
            return keys;
        }(),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<depthwise_conv2d_layer>(spec.name, std::get<depthwise_conv2d_options>(spec.options));
        },
    };
    return description;
}

// ---- SeparableConv2D

separable_conv2d_layer::separable_conv2d_layer(const std::string& name, const separable_conv2d_options& options)
    : layer(name), options_(options), out_(parse_activation(options.activation), options.use_bias)
{
    const std::string where = where_of(name, "SeparableConv2D");
    set_weight_penalties(options);
    check_common(where, options.filters, true, options.padding, options.data_format, options.activation,
                 options.depthwise_initializer, options.pointwise_initializer);
    check_initializer(options.bias_initializer);
    check_positive(options.kernel_size, "kernel_size", where);
    check_positive(options.strides, "strides", where);
    check_positive(options.dilation_rate, "dilation_rate", where);
    if (options.depth_multiplier < 1) {
        throw config_error(where + ": depth_multiplier must be at least 1, found " +
                           std::to_string(options.depth_multiplier));
    }
}

shape separable_conv2d_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const std::string where = where_of(name(), "SeparableConv2D");
    std::int64_t rows = 0, cols = 0, channels = 0;
    spatial_input(input_shapes.at(0), 2, where, rows, cols, channels);
    const padding_kind padding = parse_padding(options_.padding, where);
    depthwise_.rows = slide(rows, options_.kernel_size[0], options_.strides[0], options_.dilation_rate[0], padding,
                            "the kernel", where);
    depthwise_.cols = slide(cols, options_.kernel_size[1], options_.strides[1], options_.dilation_rate[1], padding,
                            "the kernel", where);
    depthwise_.in_channels = channels;
    depthwise_.out_channels = channels * options_.depth_multiplier;
    depthwise_.groups = channels;
    pointwise_.rows = slide(depthwise_.rows.output, 1, 1, 1, padding_kind::valid, "", where);
    pointwise_.cols = slide(depthwise_.cols.output, 1, 1, 1, padding_kind::valid, "", where);
    pointwise_.in_channels = depthwise_.out_channels;
    pointwise_.out_channels = options_.filters;
    initialize_kernel(add_parameter("depthwise_kernel", {options_.kernel_size[0], options_.kernel_size[1], channels,
                                                         options_.depth_multiplier}),
                      options_.depthwise_initializer, init);
    initialize_kernel(add_parameter("pointwise_kernel", {1, 1, depthwise_.out_channels, options_.filters}),
                      options_.pointwise_initializer, init);
    if (out_.use_bias()) {
        parameter& bias = add_parameter("bias", {options_.filters});
        initialize(bias.value, options_.bias_initializer, channels, options_.filters, init);
    }
    return output_shape(2, pointwise_);
}

void separable_conv2d_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    reshape_output(depthwise_output_, 2, depthwise_, batch);
    convolve(*this, ctx.be, depthwise_, batch, x.f32(), parameters()[0].value.f32(), depthwise_output_.f32());
    reshape_output(output, 2, pointwise_, batch);
    tensor& z = out_.target(output);
    convolve(*this, ctx.be, pointwise_, batch, depthwise_output_.f32(), parameters()[1].value.f32(), z.f32());
    parameter* bias = bias_of(*this, out_.use_bias(), 2);
    out_.finish(ctx.be, bias != nullptr ? bias->value.f32() : nullptr, output);
}

void separable_conv2d_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                                      const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    parameter* bias = bias_of(*this, out_.use_bias(), 2);
    const float* dz = out_.preactivation_grad(be, output, output_grad, gradient_at_preactivation(),
                                              bias != nullptr ? bias->grad.f32() : nullptr);
    convolve_backward_weights(*this, be, pointwise_, batch, depthwise_output_.f32(), dz, parameters()[1].grad.f32());
    depthwise_output_grad_.reshape(depthwise_output_.dims());
    convolve_backward_data(*this, be, pointwise_, batch, dz, parameters()[1].value.f32(), depthwise_output_grad_.f32());
    convolve_backward_weights(*this, be, depthwise_, batch, x.f32(), depthwise_output_grad_.f32(), parameters()[0].grad.f32());
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        convolve_backward_data(*this, be, depthwise_, batch, depthwise_output_grad_.f32(), parameters()[0].value.f32(),
                               input_grads[0]->f32());
    }
}

const layer_class& separable_conv2d_layer::description()
{
    static const layer_class description{
        "SeparableConv2D",
        "a depthwise convolution, then a 1x1 convolution to filters channels, bias and activation",
        [] {
            std::vector<key_spec> keys = window_keys(2, true, true);
            add_output_keys(keys, {"depthwise_initializer", "pointwise_initializer", "bias_initializer"});
            return keys;
        }(),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<separable_conv2d_layer>(spec.name, std::get<separable_conv2d_options>(spec.options));
        },
    };
    return description;
}

// ---- Conv2DTranspose

conv2d_transpose_layer::conv2d_transpose_layer(const std::string& name, const conv2d_transpose_options& options)
    : layer(name), options_(options), out_(parse_activation(options.activation), options.use_bias)
{
    const std::string where = where_of(name, "Conv2DTranspose");
    set_weight_regularization(options);
    check_common(where, options.filters, true, options.padding, options.data_format, options.activation,
                 options.kernel_initializer, options.bias_initializer);
    check_positive(options.kernel_size, "kernel_size", where);
    check_positive(options.strides, "strides", where);
    check_positive(options.dilation_rate, "dilation_rate", where);
}

shape conv2d_transpose_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    const std::string where = where_of(name(), "Conv2DTranspose");
    std::int64_t rows = 0, cols = 0, channels = 0;
    spatial_input(input_shapes.at(0), 2, where, rows, cols, channels);
    const padding_kind padding = parse_padding(options_.padding, where);
    geometry_.rows = slide_transposed(rows, options_.kernel_size[0], options_.strides[0], options_.dilation_rate[0], padding);
    geometry_.cols = slide_transposed(cols, options_.kernel_size[1], options_.strides[1], options_.dilation_rate[1], padding);
    geometry_.in_channels = options_.filters;
    geometry_.out_channels = channels;
    // Keras's [h, w, filters, input channels]: the HWIO kernel of the convolution it reverses.
    initialize_kernel(add_parameter("kernel", {options_.kernel_size[0], options_.kernel_size[1], options_.filters, channels}),
                      options_.kernel_initializer, init);
    if (out_.use_bias()) {
        parameter& bias = add_parameter("bias", {options_.filters});
        initialize(bias.value, options_.bias_initializer, channels, options_.filters, init);
    }
    return {geometry_.rows.input, geometry_.cols.input, options_.filters};
}

void conv2d_transpose_layer::forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    output.reshape({batch, geometry_.rows.input, geometry_.cols.input, options_.filters});
    tensor& z = out_.target(output);
    convolve_backward_data(*this, ctx.be, geometry_, batch, x.f32(), parameters()[0].value.f32(), z.f32());
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    out_.finish(ctx.be, bias != nullptr ? bias->value.f32() : nullptr, output);
}

void conv2d_transpose_layer::backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                                      const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    parameter* bias = bias_of(*this, out_.use_bias(), 1);
    const float* dz = out_.preactivation_grad(be, output, output_grad, gradient_at_preactivation(),
                                              bias != nullptr ? bias->grad.f32() : nullptr);
    // The reversed convolution's input is dz, its output gradient x.
    convolve_backward_weights(*this, be, geometry_, batch, dz, x.f32(), parameters()[0].grad.f32());
    if (input_grads[0] != nullptr) {
        input_grads[0]->reshape(x.dims());
        convolve(*this, be, geometry_, batch, dz, parameters()[0].value.f32(), input_grads[0]->f32());
    }
}

const layer_class& conv2d_transpose_layer::description()
{
    static const layer_class description{
        "Conv2DTranspose",
        "transposed 2-D convolution (the input gradient of a convolution), upsampling by strides",
        [] {
            std::vector<key_spec> keys = window_keys(2, true, false);
            add_output_keys(keys, {"kernel_initializer", "bias_initializer"});
            return keys;
        }(),
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<conv2d_transpose_layer>(spec.name, std::get<conv2d_transpose_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
