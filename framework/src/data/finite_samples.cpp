#include "mlrun/data/finite_samples.hpp"

#include "mlrun/core/error.hpp"

#include <cmath>

namespace mlrun {

void check_finite_samples(const float* values, std::int64_t count, std::int64_t sample_size, const std::string& path)
{
    for (std::int64_t i = 0; i < count; ++i) {
        if (std::isfinite(values[i])) continue;
        const std::int64_t sample = sample_size > 0 ? i / sample_size : 0;
        const std::string value = std::isnan(values[i]) ? "nan" : values[i] > 0 ? "inf" : "-inf";
        throw data_error(path + ": sample " + std::to_string(sample) + " holds " + value + " (value " +
                         std::to_string(i - sample * sample_size) + " of the sample); data must be finite numbers");
    }
}

}  // namespace mlrun
