#include "staged_export.hpp"

namespace mlrun::onnx_format {

const staged_tensor* staged_export::find_tensor(const std::string& name) const
{
    for (const staged_tensor& t : tensors) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

const std::string* staged_export::find_metadata(const std::string& key) const
{
    for (const auto& [k, v] : metadata) {
        if (k == key) return &v;
    }
    return nullptr;
}

}  // namespace mlrun::onnx_format
