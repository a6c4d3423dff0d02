#include "mlrun/keras/layers.hpp"

namespace mlrun::keras {

layer layer::named(std::string name) const
{
    layer copy = *this;
    copy.name = std::move(name);
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

}  // namespace mlrun::keras
