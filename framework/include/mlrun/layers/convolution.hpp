// Convolutional layers over channels_last samples, with Keras's weights:
// Conv1D and Conv2D (kernel [kh, kw, channels / groups, filters]; Conv1D's
// [k, channels / groups, filters] is the same memory with kh = 1),
// DepthwiseConv2D, SeparableConv2D and Conv2DTranspose. The convolution
// itself is the backend's (conv2d forward, backward-data, backward-weights);
// a 1-D convolution is a 2-D one with one row.
#pragma once

#include "mlrun/layers/layer.hpp"
#include "mlrun/layers/window_geometry.hpp"

namespace mlrun {

struct layer_class;

// One convolution as the kernels see it: rows and cols slide as window_axis
// says; channels split into `groups` independent groups.
struct conv_geometry {
    window_axis rows;
    window_axis cols;
    std::int64_t in_channels = 0;
    std::int64_t out_channels = 0;
    std::int64_t groups = 1;
};

// What every convolutional layer ends with: bias add and activation, kept
// apart so the fused loss can take the gradient before the activation.
class conv_output {
public:
    conv_output(activation_kind activation, bool use_bias) : activation_(activation), use_bias_(use_bias) {}
    activation_kind activation() const { return activation_; }
    bool use_bias() const { return use_bias_; }
    // Where the convolution writes: `output` itself (already shaped for the
    // batch), or the preactivation, shaped like it.
    tensor& target(tensor& output);
    // Adds the bias and applies the activation, in place or into `output`.
    void finish(backend& be, const float* bias, tensor& output);
    // The gradient w.r.t. the preactivation (output_grad itself on the fused
    // path or without activation); fills the bias gradient.
    const float* preactivation_grad(backend& be, const tensor& output, const tensor& output_grad, bool at_preactivation,
                                    float* bias_grad);
    const tensor& preactivation() const { return preactivation_; }

private:
    activation_kind activation_;
    bool use_bias_;
    tensor preactivation_;
    tensor preactivation_grad_;
};

// Conv1D and Conv2D.
class conv_layer final : public layer {
public:
    conv_layer(const std::string& name, const conv1d_options& options);
    conv_layer(const std::string& name, const conv2d_options& options);

    std::string class_name() const override { return rank_ == 1 ? "Conv1D" : "Conv2D"; }

    bool has_products() const override { return true; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;
    activation_kind output_activation() const override { return out_.activation(); }
    const tensor* preactivation() const override { return &out_.preactivation(); }
    std::string size_setting() const override;

    static const layer_class& conv1d_description();
    static const layer_class& conv2d_description();

private:
    void check_settings();

    std::size_t rank_;
    conv2d_options options_;  // Conv1D's settings in the column axis, rows of 1
    conv_output out_;
    conv_geometry geometry_;
};

class depthwise_conv2d_layer final : public layer {
public:
    depthwise_conv2d_layer(const std::string& name, const depthwise_conv2d_options& options);

    std::string class_name() const override { return "DepthwiseConv2D"; }

    bool has_products() const override { return true; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }
    activation_kind output_activation() const override { return out_.activation(); }
    const tensor* preactivation() const override { return &out_.preactivation(); }

    static const layer_class& description();

private:
    depthwise_conv2d_options options_;
    conv_output out_;
    conv_geometry geometry_;
};

class separable_conv2d_layer final : public layer {
public:
    separable_conv2d_layer(const std::string& name, const separable_conv2d_options& options);

    std::string class_name() const override { return "SeparableConv2D"; }

    bool has_products() const override { return true; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }
    activation_kind output_activation() const override { return out_.activation(); }
    const tensor* preactivation() const override { return &out_.preactivation(); }
    std::string size_setting() const override { return "filters: " + std::to_string(options_.filters); }

    static const layer_class& description();

private:
    separable_conv2d_options options_;
    conv_output out_;
    conv_geometry depthwise_;
    conv_geometry pointwise_;
    tensor depthwise_output_;
    tensor depthwise_output_grad_;
};

class conv2d_transpose_layer final : public layer {
public:
    conv2d_transpose_layer(const std::string& name, const conv2d_transpose_options& options);

    std::string class_name() const override { return "Conv2DTranspose"; }

    bool has_products() const override { return true; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }
    activation_kind output_activation() const override { return out_.activation(); }
    const tensor* preactivation() const override { return &out_.preactivation(); }
    std::string size_setting() const override { return "filters: " + std::to_string(options_.filters); }

    static const layer_class& description();

private:
    conv2d_transpose_options options_;
    conv_output out_;
    // The convolution whose input gradient this layer computes: its input is
    // this layer's output.
    conv_geometry geometry_;
};

}  // namespace mlrun
