#include "mlrun/keras/layers.hpp"

namespace mlrun::keras {

layer layer::named(std::string name) const
{
    layer copy = *this;
    copy.name = std::move(name);
    return copy;
}

layer layer::frozen() const
{
    layer copy = *this;
    copy.trainable = false;
    return copy;
}

layer layer::with_policy(dtype_policy policy) const
{
    layer copy = *this;
    copy.policy = policy;
    return copy;
}

layer input(std::vector<std::int64_t> shape) { return input_options{std::move(shape)}; }

layer dense(std::int64_t units, std::string activation)
{
    dense_options o;
    o.units = units;
    o.activation = std::move(activation);
    return o;
}

layer dense(const dense_options& options) { return options; }
layer dropout(float rate) { return dropout_options{rate}; }
layer activation(std::string name) { return activation_options{std::move(name)}; }
layer flatten() { return flatten_options{}; }
layer add() { return add_options{}; }
layer concatenate() { return concatenate_options{}; }
layer batch_normalization(const batch_normalization_options& options) { return options; }
layer layer_normalization(const layer_normalization_options& options) { return options; }

layer conv1d(std::int64_t filters, std::int64_t kernel_size, std::string activation)
{
    conv1d_options o;
    o.filters = filters;
    o.kernel_size = {kernel_size};
    o.activation = std::move(activation);
    return o;
}

layer conv1d(const conv1d_options& options) { return options; }

layer conv2d(std::int64_t filters, std::array<std::int64_t, 2> kernel_size, std::string activation)
{
    conv2d_options o;
    o.filters = filters;
    o.kernel_size = kernel_size;
    o.activation = std::move(activation);
    return o;
}

layer conv2d(const conv2d_options& options) { return options; }

layer depthwise_conv2d(std::array<std::int64_t, 2> kernel_size, std::int64_t depth_multiplier)
{
    depthwise_conv2d_options o;
    o.kernel_size = kernel_size;
    o.depth_multiplier = depth_multiplier;
    return o;
}

layer depthwise_conv2d(const depthwise_conv2d_options& options) { return options; }

layer separable_conv2d(std::int64_t filters, std::array<std::int64_t, 2> kernel_size, std::string activation)
{
    separable_conv2d_options o;
    o.filters = filters;
    o.kernel_size = kernel_size;
    o.activation = std::move(activation);
    return o;
}

layer separable_conv2d(const separable_conv2d_options& options) { return options; }

layer conv2d_transpose(std::int64_t filters, std::array<std::int64_t, 2> kernel_size, std::array<std::int64_t, 2> strides)
{
    conv2d_transpose_options o;
    o.filters = filters;
    o.kernel_size = kernel_size;
    o.strides = strides;
    return o;
}

layer conv2d_transpose(const conv2d_transpose_options& options) { return options; }

namespace {

template <class Options, std::size_t Rank>
Options pooled(const std::array<std::int64_t, Rank>& pool_size)
{
    Options o;
    o.pool_size = pool_size;
    return o;
}

}  // namespace

layer max_pooling1d(std::int64_t pool_size) { return pooled<max_pooling1d_options, 1>({pool_size}); }
layer max_pooling2d(std::array<std::int64_t, 2> pool_size) { return pooled<max_pooling2d_options>(pool_size); }
layer average_pooling1d(std::int64_t pool_size) { return pooled<average_pooling1d_options, 1>({pool_size}); }
layer average_pooling2d(std::array<std::int64_t, 2> pool_size) { return pooled<average_pooling2d_options>(pool_size); }
layer global_max_pooling1d() { return global_max_pooling1d_options{}; }
layer global_max_pooling2d() { return global_max_pooling2d_options{}; }
layer global_average_pooling1d() { return global_average_pooling1d_options{}; }
layer global_average_pooling2d() { return global_average_pooling2d_options{}; }

layer reshape(std::vector<std::int64_t> target_shape) { return reshape_options{std::move(target_shape)}; }
layer permute(std::vector<std::int64_t> dims) { return permute_options{std::move(dims)}; }

layer zero_padding2d(std::int64_t padding)
{
    zero_padding2d_options o;
    o.padding = {{{padding, padding}, {padding, padding}}};
    return o;
}

layer zero_padding2d(const border_2d& padding)
{
    zero_padding2d_options o;
    o.padding = padding;
    return o;
}

layer cropping2d(const border_2d& cropping)
{
    cropping2d_options o;
    o.cropping = cropping;
    return o;
}

layer up_sampling2d(std::array<std::int64_t, 2> size, std::string interpolation)
{
    up_sampling2d_options o;
    o.size = size;
    o.interpolation = std::move(interpolation);
    return o;
}

layer spatial_dropout2d(float rate)
{
    spatial_dropout2d_options o;
    o.rate = rate;
    return o;
}

layer embedding(std::int64_t input_dim, std::int64_t output_dim)
{
    embedding_options o;
    o.input_dim = input_dim;
    o.output_dim = output_dim;
    return o;
}

layer elu(float alpha) { return elu_options{alpha}; }
layer relu(const relu_options& options) { return options; }
layer prelu(const prelu_options& options) { return options; }

}  // namespace mlrun::keras
