#include "mlrun/layers/layer.hpp"

namespace mlrun {

std::int64_t layer::parameter_count() const
{
    std::int64_t count = 0;
    for (const parameter& p : parameters_) count += p.value.size();
    return count;
}

parameter& layer::add_parameter(const std::string& param_name, const shape& dims, bool trainable)
{
    parameters_.push_back({param_name, tensor(dims), tensor(dims), trainable});
    return parameters_.back();
}

}  // namespace mlrun
