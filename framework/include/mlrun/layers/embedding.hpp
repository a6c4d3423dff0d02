// Embedding: each integer index of the input (a float holding a whole
// number in [0, input_dim)) replaced by its row of the [input_dim,
// output_dim] table "embeddings"; samples of shape S become S + [output_dim].
// An index out of range is a data_error naming the layer, at the step that
// meets it.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class embedding_layer final : public layer {
public:
    embedding_layer(const std::string& name, const embedding_options& options);

    std::string class_name() const override { return "Embedding"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    std::string size_setting() const override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override { return {name(), options_}; }

    static const layer_class& description();

private:
    embedding_options options_;
    shape output_shape_;
    std::vector<std::int64_t> indices_;  // the last forward's rows
};

}  // namespace mlrun
