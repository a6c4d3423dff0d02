// Pooling over channels_last samples: MaxPooling1D/2D, AveragePooling1D/2D
// (a window of pool_size cells moved by strides) and their global forms
// (GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D: one window over all
// cells, one value per channel). The pooling itself is the backend's; 1-D
// pooling is 2-D pooling with one row. Average pooling with padding "same"
// averages the cells inside the input only, as TensorFlow does.
#pragma once

#include "mlrun/layers/convolution.hpp"

namespace mlrun {

struct layer_class;

enum class pool_kind { max, average };

class pooling_layer final : public layer {
public:
    pooling_layer(const std::string& name, const layer_options& options);

    std::string class_name() const override { return class_name_of(options_); }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& max_pooling1d_description();
    static const layer_class& max_pooling2d_description();
    static const layer_class& average_pooling1d_description();
    static const layer_class& average_pooling2d_description();
    static const layer_class& global_max_pooling1d_description();
    static const layer_class& global_max_pooling2d_description();
    static const layer_class& global_average_pooling1d_description();
    static const layer_class& global_average_pooling2d_description();

private:
    layer_options options_;
    pool_kind kind_;
    std::size_t rank_;  // spatial axes: 1 or 2
    bool global_;
    bool keepdims_ = false;
    std::array<std::int64_t, 2> pool_size_{};  // rows of 1 for 1-D
    std::array<std::int64_t, 2> strides_{};
    padding_kind padding_ = padding_kind::valid;
    conv_geometry geometry_;  // in_channels == out_channels, groups unused
    shape output_shape_;
    std::vector<std::int32_t> argmax_;  // max pooling's winning cell of each window, for backward
};

}  // namespace mlrun
