// The layer interface: one node of a model graph.
//
// Shapes passed to build() are per sample (no batch axis); tensors passed
// to forward()/backward() carry the batch as their first axis. A layer owns
// its parameters and any scratch it needs, sized on the first batch and
// reused after, so steady-state training allocates nothing.
#pragma once

#include "mlrun/core/rng.hpp"
#include "mlrun/core/shape.hpp"
#include "mlrun/core/tensor.hpp"
#include "mlrun/layers/activation_kind.hpp"
#include "mlrun/layers/layer_spec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlrun {

struct weight_penalties_view;  // penalized_weights.hpp

class backend;

// A trainable tensor and its gradient, named as Keras names weights
// ("kernel", "bias").
struct parameter {
    std::string name;
    tensor value;
    tensor grad;
    // Whether the optimizer updates it; false for state a layer updates
    // itself (BatchNormalization's moving statistics).
    bool trainable = true;
    // Keras's per-weight regularizer (its penalty joins the loss) and
    // constraint (applied after each optimizer update); unset: none.
    std::optional<regularizer_spec> regularizer = std::nullopt;
    std::optional<constraint_spec> constraint = std::nullopt;
};

struct forward_context {
    backend& be;
    bool training;
    std::uint64_t seed;  // distinct per step and per layer, for dropout
};

class layer {
public:
    explicit layer(std::string name);
    virtual ~layer() = default;
    layer(const layer&) = delete;
    layer& operator=(const layer&) = delete;

    // The Keras class name, e.g. "Dense".
    virtual std::string class_name() const = 0;
    const std::string& name() const { return name_; }

    // How many inputs the layer takes (Input: 0; merges: 2 or more).
    virtual std::size_t min_inputs() const { return 1; }
    virtual std::size_t max_inputs() const { return 1; }

    // Checks the input shapes, creates parameters initialised from `init`,
    // and returns the output shape. Throws model_error naming the layer when
    // the inputs do not fit.
    virtual shape build(const std::vector<shape>& input_shapes, rng& init) = 0;
    // build() within a budget: add_parameter refuses, before allocating, a
    // parameter that would take this layer past `max_parameters` (what the
    // model's limit leaves it, size_limits.hpp).
    shape build_within(const std::vector<shape>& input_shapes, rng& init, std::int64_t max_parameters);

    // The setting that sizes the layer, for errors: "units: 512"; empty when
    // its sizes follow from its inputs.
    virtual std::string size_setting() const { return {}; }

    // Computes `output` (reshaped here to the batch) from `inputs`.
    virtual void forward(forward_context& ctx, const std::vector<const tensor*>& inputs, tensor& output) = 0;

    // Given the gradient of the loss w.r.t. the output, fills the parameter
    // gradients and each non-null input gradient (overwriting it). With
    // gradient_at_preactivation() set, `output_grad` is the gradient
    // w.r.t. the value before the output activation (the fused loss path).
    virtual void backward(backend& be, const std::vector<const tensor*>& inputs, const tensor& output,
                          const tensor& output_grad, const std::vector<tensor*>& input_grads) = 0;

    // Keras's layer.trainable: false freezes every weight of the layer.
    bool trainable() const { return trainable_; }
    void set_trainable(bool on) { trainable_ = on; }
    // Keras's dtype policy: the precision of the layer's products.
    dtype_policy policy() const { return policy_; }
    void set_policy(dtype_policy p) { policy_ = p; }
    // Whether the layer multiplies by its weights (Dense, the convolutions):
    // the products a mixed policy computes in bf16. Other layers under the
    // policy compute in float32, as Keras's do.
    virtual bool has_products() const { return false; }
    bool bf16_products() const { return policy_ == dtype_policy::mixed_bfloat16 && has_products(); }
    // The penalty on the layer's output, divided by the batch size (unset: none).
    const std::optional<regularizer_spec>& activity_regularizer() const { return activity_regularizer_; }

    std::vector<parameter>& parameters() { return parameters_; }
    const std::vector<parameter>& parameters() const { return parameters_; }
    std::int64_t parameter_count() const;

    // The layer's settings and name: enough to build the same layer again
    // (make_layer).
    virtual layer_spec config() const = 0;

    // For the fused activation + loss path: the activation applied last and
    // the value before it (nullptr when there is none).
    virtual activation_kind output_activation() const { return activation_kind::linear; }
    virtual const tensor* preactivation() const { return nullptr; }
    void set_gradient_at_preactivation(bool on) { gradient_at_preactivation_ = on; }
    bool gradient_at_preactivation() const { return gradient_at_preactivation_; }

protected:
    // build_within() hands the regularizers and constraints to the
    // parameters they name (penalized_weights.hpp); checked here, naming the
    // layer and the key. The activity regularizer applies to the output.
    void set_weight_regularization(weight_regularization settings);
    void set_weight_penalties(layer_options options);

    parameter& add_parameter(const std::string& param_name, const shape& dims, bool trainable = true);

    // backend::gemm, or gemm_bf16 under mixed_bfloat16.
    void matmul(backend& be, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc) const;

private:
    void bind_penalties(const weight_penalties_view& view);

    std::string name_;
    std::vector<parameter> parameters_;
    std::int64_t parameter_budget_;
    bool gradient_at_preactivation_ = false;
    bool trainable_ = true;
    dtype_policy policy_ = dtype_policy::float32;
    struct weight_penalty {
        std::string parameter;
        std::optional<regularizer_spec> regularizer;
        std::optional<constraint_spec> constraint;
    };
    std::vector<weight_penalty> weight_penalties_;
    std::optional<regularizer_spec> activity_regularizer_;
};

}  // namespace mlrun
