// Keras's layer constructors as functions returning layer specs:
//
//     keras::dense(512, "relu")                   // Dense(512, activation='relu')
//     keras::dropout(0.2f)                         // Dropout(0.2)
//     keras::dense(10).named("logits")             // Dense(10, name='logits')
//     keras::conv2d(32, {3, 3}, "relu")             // Conv2D(32, (3, 3), activation='relu')
//     keras::max_pooling2d({2, 2})                  // MaxPooling2D((2, 2))
//     keras::embedding(1000, 64)                    // Embedding(1000, 64)
//     keras::dense(10).frozen()                     // layer.trainable = False
//     keras::dense(10).with_policy(dtype_policy::mixed_bfloat16)  // Dense(10, dtype="mixed_bfloat16")
//
// Regularizers and constraints go on the options of Dense and the
// convolutions, with Keras's constructors and defaults:
//
//     dense_options o;
//     o.units = 64;
//     o.kernel_regularizer = keras::l2(0.001);       // kernel_regularizer=regularizers.L2(0.001)
//     o.kernel_constraint = keras::max_norm(3.0f);   // kernel_constraint=constraints.MaxNorm(3)
//
// Settings beyond the common ones are set on the option structs of
// layers/layer_spec.hpp and passed whole: keras::dense(options).
#pragma once

#include "mlrun/layers/layer_spec.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mlrun::keras {

// A layer spec with a fluent name, so a model reads as a list of layers.
struct layer : layer_spec {
    // From any layer's options (dense_options, plugin_layer_options, ...).
    template <class Options, class = std::enable_if_t<std::is_constructible_v<layer_options, Options>>>
    layer(Options options) : layer_spec{"", layer_options(std::move(options))}  // NOLINT(google-explicit-constructor)
    {
    }
    layer named(std::string name) const;
    // The same layer with trainable false: its weights stay as they are.
    layer frozen() const;
    // The same layer under a dtype policy (Keras's layer dtype=...).
    layer with_policy(dtype_policy policy) const;
};

inline regularizer_spec l1(float l1 = 0.01f) { return l1_regularizer(l1); }
inline regularizer_spec l2(float l2 = 0.01f) { return l2_regularizer(l2); }
inline regularizer_spec l1_l2(float l1 = 0.01f, float l2 = 0.01f) { return l1_l2_regularizer(l1, l2); }
inline constraint_spec max_norm(float max_value = 2.0f, int axis = 0) { return max_norm_constraint(max_value, axis); }
inline constraint_spec non_neg() { return non_neg_constraint(); }
inline constraint_spec unit_norm(int axis = 0) { return unit_norm_constraint(axis); }
inline constraint_spec min_max_norm(float min_value = 0.0f, float max_value = 1.0f, float rate = 1.0f, int axis = 0)
{
    return min_max_norm_constraint(min_value, max_value, rate, axis);
}

layer input(std::vector<std::int64_t> shape);
layer dense(std::int64_t units, std::string activation = "linear");
layer dense(const dense_options& options);
layer dropout(float rate);
layer activation(std::string name);
layer flatten();
layer add();
layer concatenate();
layer batch_normalization(const batch_normalization_options& options = {});
layer layer_normalization(const layer_normalization_options& options = {});

// Convolutions (strides 1, padding valid; the options structs have the rest).
layer conv1d(std::int64_t filters, std::int64_t kernel_size, std::string activation = "linear");
layer conv1d(const conv1d_options& options);
layer conv2d(std::int64_t filters, std::array<std::int64_t, 2> kernel_size, std::string activation = "linear");
layer conv2d(const conv2d_options& options);
layer depthwise_conv2d(std::array<std::int64_t, 2> kernel_size, std::int64_t depth_multiplier = 1);
layer depthwise_conv2d(const depthwise_conv2d_options& options);
layer separable_conv2d(std::int64_t filters, std::array<std::int64_t, 2> kernel_size, std::string activation = "linear");
layer separable_conv2d(const separable_conv2d_options& options);
layer conv2d_transpose(std::int64_t filters, std::array<std::int64_t, 2> kernel_size,
                       std::array<std::int64_t, 2> strides = {1, 1});
layer conv2d_transpose(const conv2d_transpose_options& options);

// Pooling (strides = pool_size, padding valid).
layer max_pooling1d(std::int64_t pool_size = 2);
layer max_pooling2d(std::array<std::int64_t, 2> pool_size = {2, 2});
layer average_pooling1d(std::int64_t pool_size = 2);
layer average_pooling2d(std::array<std::int64_t, 2> pool_size = {2, 2});
layer global_max_pooling1d();
layer global_max_pooling2d();
layer global_average_pooling1d();
layer global_average_pooling2d();

// Reshaping (channels_last images).
layer reshape(std::vector<std::int64_t> target_shape);        // Reshape((7, 7, 16)); one entry may be -1
layer permute(std::vector<std::int64_t> dims);                // Permute((2, 1)), axes counted from 1
layer zero_padding2d(std::int64_t padding = 1);                // ZeroPadding2D(1)
layer zero_padding2d(const border_2d& padding);                // ZeroPadding2D(((1, 2), (0, 1)))
layer cropping2d(const border_2d& cropping);                   // Cropping2D(((1, 1), (2, 2)))
layer up_sampling2d(std::array<std::int64_t, 2> size = {2, 2}, std::string interpolation = "nearest");
layer spatial_dropout2d(float rate);
layer embedding(std::int64_t input_dim, std::int64_t output_dim);

// Activation layers with settings.
layer elu(float alpha = 1.0f);
layer relu(const relu_options& options = {});
layer prelu(const prelu_options& options = {});

}  // namespace mlrun::keras
