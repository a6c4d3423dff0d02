// What a layer is, as a value: its class's settings with Keras's names and
// defaults, and its name. Layers are built from these (layer_registry.hpp's
// make_layer) and report them back through layer::config(); experiment
// files and model files are one encoding of them.
//
//     dense_options hidden;
//     hidden.units = 512;
//     hidden.activation = "relu";
//     layer_spec spec{"hidden", hidden};
#pragma once

#include "mlrun/layers/dtype_policy.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mlrun {

// keras.Input: a model input of this per-sample shape.
struct input_options {
    std::vector<std::int64_t> shape;
};

// keras.regularizers: a penalty on a weight or an output, added to the loss.
// l1 * sum(|x|) + l2 * sum(x^2) (no 1/2); `kind` keeps the class it was
// given as (L1, L2, L1L2) so it is written back the same way.
enum class regularizer_kind { l1, l2, l1_l2 };
struct regularizer_spec {
    regularizer_kind kind = regularizer_kind::l2;
    float l1 = 0.0f;
    float l2 = 0.0f;
};
// Keras's constructors, with its defaults.
regularizer_spec l1_regularizer(float l1 = 0.01f);
regularizer_spec l2_regularizer(float l2 = 0.01f);
regularizer_spec l1_l2_regularizer(float l1 = 0.01f, float l2 = 0.01f);

// keras.constraints: a projection applied to a weight after every optimizer
// update. Norms are taken over the `axis` list of the weight ({0}: over the
// inputs of each Dense unit; {0, 1, 2}: over a whole filter of a Conv2D
// kernel, as Keras's axis=[0, 1, 2]); negative axes count from the last. max_norm scales columns longer than max_value down;
// unit_norm to length 1; min_max_norm moves each norm `rate` of the way into
// [min_value, max_value]; non_neg zeroes negative values.
enum class constraint_kind { max_norm, non_neg, unit_norm, min_max_norm };
struct constraint_spec {
    constraint_kind kind = constraint_kind::max_norm;
    float max_value = 2.0f;
    float min_value = 0.0f;
    float rate = 1.0f;
    std::vector<int> axis = {0};  // at least one, each once
};
constraint_spec max_norm_constraint(float max_value = 2.0f, int axis = 0);
constraint_spec max_norm_constraint(float max_value, std::vector<int> axis);
constraint_spec non_neg_constraint();
constraint_spec unit_norm_constraint(int axis = 0);
constraint_spec unit_norm_constraint(std::vector<int> axis);
constraint_spec min_max_norm_constraint(float min_value = 0.0f, float max_value = 1.0f, float rate = 1.0f, int axis = 0);
constraint_spec min_max_norm_constraint(float min_value, float max_value, float rate, std::vector<int> axis);

// The regularizers and constraints of a layer with a kernel and a bias
// (Dense, Conv1D/2D, Conv2DTranspose): unset, none. The layers with other
// weights carry them under Keras's names (depthwise_regularizer,
// gamma_constraint, ...); penalized_weights.hpp lists them all.
struct weight_regularization {
    std::optional<regularizer_spec> kernel_regularizer = std::nullopt;
    std::optional<regularizer_spec> bias_regularizer = std::nullopt;
    std::optional<regularizer_spec> activity_regularizer = std::nullopt;  // on the output, divided by the batch size
    std::optional<constraint_spec> kernel_constraint = std::nullopt;
    std::optional<constraint_spec> bias_constraint = std::nullopt;
};

// keras.layers.Dense: activation(input . kernel + bias).
struct dense_options : weight_regularization {
    std::int64_t units = 0;  // required: at least 1
    std::string activation = "linear";
    bool use_bias = true;
    std::string kernel_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";
};

// keras.layers.Dropout: the fraction of inputs zeroed in training, in [0, 1).
struct dropout_options {
    float rate = 0.0f;
};

// keras.layers.Activation.
struct activation_options {
    std::string activation;  // required
};

// keras.layers.Flatten.
struct flatten_options {};

// keras.layers.Add: the sum of inputs of one shape.
struct add_options {};

// keras.layers.Concatenate, along the last axis (the only one supported).
struct concatenate_options {
    int axis = -1;
};

// keras.layers.BatchNormalization over the last axis (the channels of
// images: statistics over batch, rows and columns).
struct batch_normalization_options {
    int axis = -1;
    float momentum = 0.99f;
    float epsilon = 0.001f;
    bool center = true;
    bool scale = true;
    std::optional<regularizer_spec> beta_regularizer = std::nullopt;
    std::optional<regularizer_spec> gamma_regularizer = std::nullopt;
    std::optional<constraint_spec> beta_constraint = std::nullopt;
    std::optional<constraint_spec> gamma_constraint = std::nullopt;
};

// ---- convolutional layers (channels_last: samples [steps, channels] or
// [rows, cols, channels]; kernels in Keras's layout, HWIO)
//
// padding is "valid" (no padding) or "same" (TensorFlow's: the output has
// ceil(input / stride) cells, the odd cell of padding after). data_format is
// kept to refuse "channels_first" with a message.

// Keras's int-or-tuple settings: kernel_size=3 is (3, 3).
template <std::size_t Rank>
std::array<std::int64_t, Rank> repeated(std::int64_t value)
{
    std::array<std::int64_t, Rank> a{};
    a.fill(value);
    return a;
}

// keras.layers.Conv2D / Conv1D: activation(convolution(input, kernel) + bias).
template <std::size_t Rank>
struct conv_options : weight_regularization {
    std::int64_t filters = 0;  // required: at least 1
    std::array<std::int64_t, Rank> kernel_size{};  // required
    std::array<std::int64_t, Rank> strides = repeated<Rank>(1);
    std::string padding = "valid";
    std::string data_format = "channels_last";
    std::array<std::int64_t, Rank> dilation_rate = repeated<Rank>(1);
    std::int64_t groups = 1;  // input and output channels split into this many independent groups
    std::string activation = "linear";
    bool use_bias = true;
    std::string kernel_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";

};
struct conv1d_options : conv_options<1> {};
struct conv2d_options : conv_options<2> {};

// keras.layers.DepthwiseConv2D: each input channel convolved with its own
// depth_multiplier filters (kernel [h, w, channels, depth_multiplier]).
struct depthwise_conv2d_options {
    std::array<std::int64_t, 2> kernel_size{};  // required
    std::array<std::int64_t, 2> strides = {1, 1};
    std::string padding = "valid";
    std::int64_t depth_multiplier = 1;
    std::string data_format = "channels_last";
    std::array<std::int64_t, 2> dilation_rate = {1, 1};
    std::string activation = "linear";
    bool use_bias = true;
    std::string depthwise_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";
    std::optional<regularizer_spec> depthwise_regularizer = std::nullopt;
    std::optional<regularizer_spec> bias_regularizer = std::nullopt;
    std::optional<regularizer_spec> activity_regularizer = std::nullopt;
    std::optional<constraint_spec> depthwise_constraint = std::nullopt;
    std::optional<constraint_spec> bias_constraint = std::nullopt;
};

// keras.layers.SeparableConv2D: a depthwise convolution, then a 1x1
// convolution to `filters` channels (pointwise kernel [1, 1, channels *
// depth_multiplier, filters]), then bias and activation.
struct separable_conv2d_options {
    std::int64_t filters = 0;                    // required
    std::array<std::int64_t, 2> kernel_size{};  // required
    std::array<std::int64_t, 2> strides = {1, 1};
    std::string padding = "valid";
    std::string data_format = "channels_last";
    std::array<std::int64_t, 2> dilation_rate = {1, 1};
    std::int64_t depth_multiplier = 1;
    std::string activation = "linear";
    bool use_bias = true;
    std::string depthwise_initializer = "glorot_uniform";
    std::string pointwise_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";
    std::optional<regularizer_spec> depthwise_regularizer = std::nullopt;
    std::optional<regularizer_spec> pointwise_regularizer = std::nullopt;
    std::optional<regularizer_spec> bias_regularizer = std::nullopt;
    std::optional<regularizer_spec> activity_regularizer = std::nullopt;
    std::optional<constraint_spec> depthwise_constraint = std::nullopt;
    std::optional<constraint_spec> pointwise_constraint = std::nullopt;
    std::optional<constraint_spec> bias_constraint = std::nullopt;
};

// keras.layers.Conv2DTranspose: the gradient of a convolution w.r.t. its
// input, as a layer (kernel [h, w, filters, input channels], Keras's layout).
// Output size: valid: (in - 1) * stride + (kernel - 1) * dilation + 1;
// same: in * stride.
struct conv2d_transpose_options : weight_regularization {
    std::int64_t filters = 0;                    // required
    std::array<std::int64_t, 2> kernel_size{};  // required
    std::array<std::int64_t, 2> strides = {1, 1};
    std::string padding = "valid";
    std::string data_format = "channels_last";
    std::array<std::int64_t, 2> dilation_rate = {1, 1};
    std::string activation = "linear";
    bool use_bias = true;
    std::string kernel_initializer = "glorot_uniform";
    std::string bias_initializer = "zeros";
};

// keras.layers.MaxPooling1D/2D, AveragePooling1D/2D. strides unset: pool_size.
// Average pooling with padding "same" averages the cells inside the input only.
template <std::size_t Rank>
struct pooling_options {
    std::array<std::int64_t, Rank> pool_size = repeated<Rank>(2);
    std::optional<std::array<std::int64_t, Rank>> strides;
    std::string padding = "valid";
    std::string data_format = "channels_last";
};
struct max_pooling1d_options : pooling_options<1> {};
struct max_pooling2d_options : pooling_options<2> {};
struct average_pooling1d_options : pooling_options<1> {};
struct average_pooling2d_options : pooling_options<2> {};

// keras.layers.GlobalAveragePooling1D/2D, GlobalMaxPooling1D/2D: one value
// per channel; keepdims keeps the pooled axes with size 1.
struct global_pooling_options {
    std::string data_format = "channels_last";
    bool keepdims = false;
};
struct global_average_pooling1d_options : global_pooling_options {};
struct global_average_pooling2d_options : global_pooling_options {};
struct global_max_pooling1d_options : global_pooling_options {};
struct global_max_pooling2d_options : global_pooling_options {};

// keras.layers.LayerNormalization over the last axis of each sample:
// y = gamma * (x - mean) / sqrt(variance + epsilon) + beta.
struct layer_normalization_options {
    int axis = -1;
    float epsilon = 0.001f;
    bool center = true;
    bool scale = true;
    std::optional<regularizer_spec> beta_regularizer = std::nullopt;
    std::optional<regularizer_spec> gamma_regularizer = std::nullopt;
    std::optional<constraint_spec> beta_constraint = std::nullopt;
    std::optional<constraint_spec> gamma_constraint = std::nullopt;
};

// ---- reshaping layers (channels_last)

// keras.layers.Reshape: each sample to target_shape; one entry may be -1,
// the size the others leave.
struct reshape_options {
    std::vector<std::int64_t> target_shape;  // required
};

// keras.layers.Permute: the sample axes reordered; dims is a permutation of
// 1..rank, counted from 1 as Keras counts them (the batch axis is 0).
struct permute_options {
    std::vector<std::int64_t> dims;  // required
};

// Amounts before and after each spatial axis: ((top, bottom), (left, right)).
using border_2d = std::array<std::array<std::int64_t, 2>, 2>;

// keras.layers.ZeroPadding2D: zero rows and columns around each image.
struct zero_padding2d_options {
    border_2d padding = {{{1, 1}, {1, 1}}};
    std::string data_format = "channels_last";
};

// keras.layers.Cropping2D: rows and columns removed from each image's borders.
struct cropping2d_options {
    border_2d cropping = {{{0, 0}, {0, 0}}};
    std::string data_format = "channels_last";
};

// keras.layers.UpSampling2D: rows repeated size[0] times and columns
// size[1] times (nearest), or resized bilinearly with half-pixel centres,
// as TensorFlow's image.resize does for Keras.
struct up_sampling2d_options {
    std::array<std::int64_t, 2> size = {2, 2};
    std::string data_format = "channels_last";
    std::string interpolation = "nearest";
};

// keras.layers.SpatialDropout2D: in training, zeroes whole channels of each
// image with probability `rate` (the rest scaled by 1 / (1 - rate)).
struct spatial_dropout2d_options {
    float rate = 0.0f;  // required, in [0, 1)
    std::string data_format = "channels_last";
};

// keras.layers.Embedding: integer indices in [0, input_dim) to rows of an
// [input_dim, output_dim] table ("embeddings").
struct embedding_options {
    std::int64_t input_dim = 0;   // required
    std::int64_t output_dim = 0;  // required
    std::string embeddings_initializer = "random_uniform";  // Keras's "uniform": U(-0.05, 0.05)
    std::optional<regularizer_spec> embeddings_regularizer = std::nullopt;
    std::optional<regularizer_spec> activity_regularizer = std::nullopt;
    std::optional<constraint_spec> embeddings_constraint = std::nullopt;
};

// ---- activation layers

// keras.layers.ELU: x > 0 ? x : alpha * (exp(x) - 1).
struct elu_options {
    float alpha = 1.0f;
};

// keras.layers.ReLU: max_value above it, x from threshold up,
// negative_slope * (x - threshold) below.
struct relu_options {
    std::optional<float> max_value;  // none: no ceiling
    float negative_slope = 0.0f;
    float threshold = 0.0f;
};

// keras.layers.PReLU: x > 0 ? x : alpha * x with a learned alpha per input
// cell, shared along shared_axes (1-based sample axes, as Keras counts them).
struct prelu_options {
    std::string alpha_initializer = "zeros";
    std::vector<std::int64_t> shared_axes;
    std::optional<regularizer_spec> alpha_regularizer = std::nullopt;
    std::optional<constraint_spec> alpha_constraint = std::nullopt;
};

// A class from a layer plugin (abi/mlrun_layer.h): its settings as the
// plugin declares them, each value as text ("3", "true", "relu").
struct plugin_layer_options {
    std::string class_name;
    std::vector<std::pair<std::string, std::string>> settings;
};

using layer_options =
    std::variant<input_options, dense_options, dropout_options, activation_options, flatten_options, add_options,
                 concatenate_options, batch_normalization_options, conv1d_options, conv2d_options,
                 depthwise_conv2d_options, separable_conv2d_options, conv2d_transpose_options, max_pooling1d_options,
                 max_pooling2d_options, average_pooling1d_options, average_pooling2d_options,
                 global_average_pooling1d_options, global_average_pooling2d_options, global_max_pooling1d_options,
                 global_max_pooling2d_options, layer_normalization_options, reshape_options, permute_options,
                 zero_padding2d_options, cropping2d_options, up_sampling2d_options, spatial_dropout2d_options,
                 embedding_options, elu_options, relu_options, prelu_options, plugin_layer_options>;

struct layer_spec {
    std::string name;  // empty: Keras's automatic name when a model is built ("dense", "dense_1", ...)
    layer_options options;
    // false: the layer's weights are frozen (Keras's layer.trainable):
    // never updated, no optimizer slots; BatchNormalization then
    // normalises with its moving statistics, also in training.
    bool trainable = true;
    // Keras's layer dtype: the precision its products compute in; unset:
    // the model's (model_spec::policy, Keras's global policy).
    std::optional<dtype_policy> policy = std::nullopt;
};

// The class the options belong to, as experiment files name it: "Input",
// "Dense", ..., or the plugin's class name.
std::string class_name_of(const layer_options& options);

}  // namespace mlrun
