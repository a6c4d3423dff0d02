#include "mlrun/layers/embedding.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/initializer.hpp"
#include "mlrun/layers/layer_registry.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mlrun {

embedding_layer::embedding_layer(const std::string& name, const embedding_options& options)
    : layer(name), options_(options)
{
    set_weight_penalties(options);
    const std::string where = "layer '" + name + "' (Embedding)";
    if (options_.input_dim < 1) {
        throw config_error(where + ": input_dim must be at least 1, found " + std::to_string(options_.input_dim));
    }
    if (options_.output_dim < 1) {
        throw config_error(where + ": output_dim must be at least 1, found " + std::to_string(options_.output_dim));
    }
    check_initializer(options_.embeddings_initializer);
}

std::string embedding_layer::size_setting() const
{
    return "input_dim: " + std::to_string(options_.input_dim) + ", output_dim: " + std::to_string(options_.output_dim);
}

shape embedding_layer::build(const std::vector<shape>& input_shapes, rng& init)
{
    std::vector<std::int64_t> dims = input_shapes.at(0).dims();
    dims.push_back(options_.output_dim);
    output_shape_ = shape(dims);
    parameter& table = add_parameter("embeddings", {options_.input_dim, options_.output_dim});
    initialize(table.value, options_.embeddings_initializer, options_.input_dim, options_.output_dim, init);
    return output_shape_;
}

void embedding_layer::forward(forward_context&, const std::vector<const tensor*>& inputs, tensor& output)
{
    const tensor& x = *inputs[0];
    const std::int64_t batch = x.dims()[0];
    const std::int64_t per_sample = batch > 0 ? x.size() / batch : 0;
    indices_.resize(static_cast<std::size_t>(x.size()));
    for (std::int64_t i = 0; i < x.size(); ++i) {
        const float v = x.f32()[i];
        if (!(v >= 0.0f && v < static_cast<float>(options_.input_dim)) || v != std::floor(v)) {
            std::ostringstream value;
            value << v;
            throw data_error("layer '" + name() + "' (Embedding): input value " + value.str() + " (sample " +
                             std::to_string(i / std::max<std::int64_t>(per_sample, 1)) + " of the batch, position " +
                             std::to_string(i % std::max<std::int64_t>(per_sample, 1)) +
                             ") is not an index in [0, " + std::to_string(options_.input_dim) + ") (input_dim)");
        }
        indices_[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(v);
    }
    output.reshape(output_shape_.with_batch(batch));
    const std::int64_t width = options_.output_dim;
    const float* table = parameters()[0].value.f32();
    for (std::size_t i = 0; i < indices_.size(); ++i) {
        const float* row = table + indices_[i] * width;
        std::copy(row, row + width, output.f32() + static_cast<std::int64_t>(i) * width);
    }
}

void embedding_layer::backward(backend&, const std::vector<const tensor*>& inputs, const tensor&,
                               const tensor& output_grad, const std::vector<tensor*>& input_grads)
{
    tensor& grad = parameters()[0].grad;
    std::fill(grad.f32(), grad.f32() + grad.size(), 0.0f);
    const std::int64_t width = options_.output_dim;
    for (std::size_t i = 0; i < indices_.size(); ++i) {
        const float* dy = output_grad.f32() + static_cast<std::int64_t>(i) * width;
        float* row = grad.f32() + indices_[i] * width;
        for (std::int64_t k = 0; k < width; ++k) row[k] += dy[k];
    }
    // Indices have no gradient.
    if (tensor* dx = input_grads[0]) {
        dx->reshape(inputs[0]->dims());
        std::fill(dx->f32(), dx->f32() + dx->size(), 0.0f);
    }
}

const layer_class& embedding_layer::description()
{
    static const layer_class description{
        "Embedding",
        "maps integer indices to learned vectors (rows of its embeddings table)",
        {{"input_dim", value_kind::integer, "", "how many indices: inputs are whole numbers in [0, input_dim)", {}, true},
         {"output_dim", value_kind::integer, "", "the length of each vector", {}, true},
         {"embeddings_initializer", value_kind::string, "random_uniform",
          "initialiser of the table (random_uniform: U(-0.05, 0.05), Keras's default)", initializer_names()}},
        [](const layer_spec& spec) -> std::unique_ptr<layer> {
            return std::make_unique<embedding_layer>(spec.name, std::get<embedding_options>(spec.options));
        },
    };
    return description;
}

}  // namespace mlrun
