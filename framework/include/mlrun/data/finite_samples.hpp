// Data holding NaN or infinity trains to NaN weights without any error, so
// every reader of samples checks them once when loading.
#pragma once

#include <cstdint>
#include <string>

namespace mlrun {

// Throws data_error naming `path`, the first sample (0-based, `sample_size`
// values each) with a value that is not finite, and that value.
void check_finite_samples(const float* values, std::int64_t count, std::int64_t sample_size, const std::string& path);

}  // namespace mlrun
