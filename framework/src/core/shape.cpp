#include "mlrun/core/shape.hpp"

#include <algorithm>

namespace mlrun {

std::int64_t shape::element_count() const
{
    std::int64_t count = 1;
    for (std::int64_t d : dims_) count *= d;
    return count;
}

shape shape::with_batch(std::int64_t batch) const
{
    std::vector<std::int64_t> dims;
    dims.reserve(dims_.size() + 1);
    dims.push_back(batch);
    dims.insert(dims.end(), dims_.begin(), dims_.end());
    return shape(std::move(dims));
}

shape shape::without_batch() const
{
    if (dims_.empty()) return {};
    return shape(std::vector<std::int64_t>(dims_.begin() + 1, dims_.end()));
}

bool shape::has_sample_shape(const shape& sample) const
{
    if (dims_.size() != sample.dims_.size() + 1) return false;
    return std::equal(sample.dims_.begin(), sample.dims_.end(), dims_.begin() + 1);
}

std::string shape::to_string() const
{
    std::string text = "(";
    for (std::size_t i = 0; i < dims_.size(); ++i) {
        if (i > 0) text += ", ";
        text += dims_[i] < 0 ? "None" : std::to_string(dims_[i]);
    }
    if (dims_.size() == 1) text += ",";
    return text + ")";
}

}  // namespace mlrun
