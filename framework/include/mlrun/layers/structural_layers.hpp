// Layers that move data without parameters: Input, Flatten, and the merges
// Add and Concatenate (along the last axis).
#pragma once

#include "mlrun/layers/layer.hpp"

namespace mlrun {

struct layer_class;

// The model's entry point; the model feeds it the batch directly.
class input_layer final : public layer {
public:
    input_layer(const std::string& name, const input_options& options);

    std::string class_name() const override { return "InputLayer"; }
    std::size_t min_inputs() const override { return 0; }
    std::size_t max_inputs() const override { return 0; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;
    const shape& input_shape() const { return shape_; }

    static const layer_class& description();

private:
    shape shape_;
};

class flatten_layer final : public layer {
public:
    flatten_layer(const std::string& name, const flatten_options& options);

    std::string class_name() const override { return "Flatten"; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();
};

class add_layer final : public layer {
public:
    add_layer(const std::string& name, const add_options& options);

    std::string class_name() const override { return "Add"; }
    std::size_t min_inputs() const override { return 2; }
    std::size_t max_inputs() const override { return 64; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();
};

class concatenate_layer final : public layer {
public:
    concatenate_layer(const std::string& name, const concatenate_options& options);

    std::string class_name() const override { return "Concatenate"; }
    std::size_t min_inputs() const override { return 2; }
    std::size_t max_inputs() const override { return 64; }
    shape build(const std::vector<shape>& input_shapes, rng& init) override;
    void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) override;
    void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                  const tensor& output_grad, const std::vector<tensor*>& input_grads) override;
    layer_spec config() const override;

    static const layer_class& description();

private:
    std::vector<std::int64_t> widths_;  // each input's last-axis size
    std::int64_t total_width_ = 0;
};

}  // namespace mlrun
