#include "mlrun/layers/layer.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/penalized_weights.hpp"
#include "mlrun/layers/size_limits.hpp"
#include "mlrun/layers/weight_penalties.hpp"

#include <algorithm>

namespace mlrun {

layer::layer(std::string name) : name_(std::move(name)), parameter_budget_(max_model_parameters) {}

std::int64_t layer::parameter_count() const
{
    std::int64_t count = 0;
    for (const parameter& p : parameters_) count += p.value.size();
    return count;
}

shape layer::build_within(const std::vector<shape>& input_shapes, rng& init, std::int64_t max_parameters)
{
    parameter_budget_ = max_parameters;
    const shape output = build(input_shapes, init);
    for (parameter& p : parameters_) {
        const auto bound = std::find_if(weight_penalties_.begin(), weight_penalties_.end(),
                                        [&](const weight_penalty& w) { return w.parameter == p.name; });
        if (bound == weight_penalties_.end()) continue;
        p.regularizer = bound->regularizer;
        p.constraint = bound->constraint;
        if (!p.constraint || p.constraint->kind == constraint_kind::non_neg) continue;
        const int rank = static_cast<int>(p.value.dims().rank());
        std::vector<bool> seen(static_cast<std::size_t>(rank), false);
        for (int& axis : p.constraint->axis) {
            const int resolved = axis < 0 ? axis + rank : axis;
            if (resolved < 0 || resolved >= rank) {
                throw model_error("layer '" + name_ + "' (" + class_name() + "): " + p.name + "_constraint axis " +
                                  std::to_string(axis) + " is not an axis of its " + p.name + " of shape " +
                                  p.value.dims().to_string());
            }
            if (seen[static_cast<std::size_t>(resolved)]) {
                throw model_error("layer '" + name_ + "' (" + class_name() + "): " + p.name + "_constraint axis " +
                                  std::to_string(axis) + " names an axis listed already");
            }
            seen[static_cast<std::size_t>(resolved)] = true;
            axis = resolved;  // the parameter's copy, counted from 0
        }
    }
    return output;
}

void layer::set_weight_regularization(weight_regularization settings)
{
    bind_penalties(penalties_of(settings));
}

void layer::set_weight_penalties(layer_options options)
{
    bind_penalties(penalties_of(options));
}

void layer::bind_penalties(const weight_penalties_view& view)
{
    check_weight_penalties(view, "layer '" + name_ + "'");
    weight_penalties_.clear();
    for (const penalized_weight& w : view.weights) {
        if (*w.regularizer || *w.constraint) weight_penalties_.push_back({w.parameter, *w.regularizer, *w.constraint});
    }
    activity_regularizer_ = view.activity != nullptr ? *view.activity : std::nullopt;
}

parameter& layer::add_parameter(const std::string& param_name, const shape& dims, bool trainable)
{
    const std::optional<std::int64_t> count = checked_element_count(dims);
    const std::int64_t left = parameter_budget_ - parameter_count();
    if (!count || *count > left) {
        const std::string setting = size_setting();
        const std::string before = max_model_parameters - parameter_budget_ > 0
                                       ? " (the layers before it hold " +
                                             std::to_string(max_model_parameters - parameter_budget_) + ")"
                                       : "";
        throw model_error("layer '" + name_ + "' (" + class_name() + ")" + (setting.empty() ? "" : ", " + setting) +
                          ": " + param_name + " of shape " + dims.to_string() +
                          (count ? " would hold " + std::to_string(*count) + " parameters"
                                 : std::string(" has no element count that fits in int64")) +
                          "; a model may hold at most " + limit_text(max_model_parameters) + before);
    }
    parameters_.push_back({param_name, tensor(dims), tensor(dims), trainable});
    return parameters_.back();
}

void layer::matmul(backend& be, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                   const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc) const
{
    if (bf16_products()) {
        be.gemm_bf16(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    } else {
        be.gemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    }
}

}  // namespace mlrun
