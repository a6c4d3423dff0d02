#include "mlrun/layers/size_limits.hpp"

namespace mlrun {

std::optional<std::int64_t> checked_element_count(const shape& dims)
{
    std::int64_t count = 1;
    for (std::int64_t d : dims.dims()) {
        if (d < 0 || __builtin_mul_overflow(count, d, &count)) return std::nullopt;
    }
    return count;
}

std::string limit_text(std::int64_t limit)
{
    std::string text = std::to_string(limit);
    for (int bits = 0; bits < 63; ++bits) {
        if (limit == std::int64_t{1} << bits) return text + " (2^" + std::to_string(bits) + ")";
    }
    return text;
}

}  // namespace mlrun
