#include "interop/keras/staged_checkpoint.hpp"

namespace mlrun::interop::keras {

std::int64_t staged_tensor::element_count() const
{
    std::int64_t count = 1;
    for (std::int64_t d : dims) count *= d;
    return count;
}

const staged_tensor* staged_checkpoint::find(const std::string& name) const
{
    for (const staged_tensor& t : tensors) {
        if (t.name == name) return &t;
    }
    return nullptr;
}

const std::string* staged_checkpoint::meta(const std::string& key) const
{
    for (const auto& [k, v] : metadata) {
        if (k == key) return &v;
    }
    return nullptr;
}

void staged_checkpoint::set_meta(const std::string& key, std::string value)
{
    for (auto& [k, v] : metadata) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    metadata.emplace_back(key, std::move(value));
}

std::string shape_text(const std::vector<std::int64_t>& dims)
{
    std::string text = "(";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(dims[i]);
    }
    if (dims.size() == 1) text += ",";
    return text + ")";
}

bool starts_with(const std::string& text, const std::string& prefix)
{
    return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace mlrun::interop::keras
