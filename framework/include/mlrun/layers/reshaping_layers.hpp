// Layers that move each sample's values without parameters: Reshape,
// Permute, ZeroPadding2D, Cropping2D and UpSampling2D (channels_last
// images [rows, cols, channels]). They copy on the host: each output value
// is one input value (or a fixed mix of four, for bilinear upsampling).
#pragma once

#include "mlrun/layers/layer.hpp"

#include <array>

namespace mlrun {

struct layer_class;

class reshape_layer final : public layer {
public:
    reshape_layer(const std::string& name, const reshape_options& options);

    std::string class_name() const override { return "Reshape"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    reshape_options options_;
    shape output_shape_;
};

class permute_layer final : public layer {
public:
    permute_layer(const std::string& name, const permute_options& options);

    std::string class_name() const override { return "Permute"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    permute_options options_;
    shape output_shape_;
    // For each output cell of a sample (in order), the input cell it copies.
    std::vector<std::int64_t> source_;
};

// ZeroPadding2D (zeros added around each image) and Cropping2D (borders
// removed): both copy the image into a window of the other, offset.
class border_layer final : public layer {
public:
    border_layer(const std::string& name, const layer_options& options);

    std::string class_name() const override { return class_name_of(options_); }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& zero_padding2d_description();
    static const layer_class& cropping2d_description();

private:
    // Copies the rows x cols block shared by a [in_rows, in_cols] image and
    // a [out_rows, out_cols] one, offset by (row_shift, col_shift) in the
    // larger, for every sample; `to_output` picks the direction.
    void copy_block(const float* from, float* to, std::int64_t batch, bool to_output) const;

    layer_options options_;
    bool padding_;  // ZeroPadding2D; else Cropping2D
    border_2d border_{};
    shape input_shape_;
    shape output_shape_;
};

class up_sampling2d_layer final : public layer {
public:
    up_sampling2d_layer(const std::string& name, const up_sampling2d_options& options);

    std::string class_name() const override { return "UpSampling2D"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

    // One output coordinate along an axis: the two input cells it mixes
    // and the weight of the second (nearest: one cell, weight 0).
    struct tap {
        std::int64_t low;
        std::int64_t high;
        float weight;
    };

private:
    up_sampling2d_options options_;
    bool bilinear_;
    shape input_shape_;
    std::vector<tap> row_taps_;
    std::vector<tap> col_taps_;
};

}  // namespace mlrun
