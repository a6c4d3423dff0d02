// Dropout (inverted): in training, zeroes each input with probability
// `rate` and scales the rest by 1 / (1 - rate); at inference, the identity.
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

class dropout_layer final : public layer {
public:
    dropout_layer(const std::string& name, const dropout_options& options);

    std::string class_name() const override { return "Dropout"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();

private:
    float rate_;
    tensor mask_;
};

}  // namespace mlrun
