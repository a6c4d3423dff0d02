#include "mlrun/layers/layer.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/size_limits.hpp"

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
    return build(input_shapes, init);
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

}  // namespace mlrun
