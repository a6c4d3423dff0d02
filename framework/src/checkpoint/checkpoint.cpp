#include "mlrun/checkpoint/checkpoint.hpp"

namespace mlrun {

const tensor* checkpoint::find(const std::string& name) const
{
    for (const auto& [key, value] : tensors) {
        if (key == name) return &value;
    }
    return nullptr;
}

tensor* checkpoint::find(const std::string& name)
{
    for (auto& [key, value] : tensors) {
        if (key == name) return &value;
    }
    return nullptr;
}

}  // namespace mlrun
