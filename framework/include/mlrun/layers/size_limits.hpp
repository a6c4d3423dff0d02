// The largest model mlrun builds (docs/experiments.md, "Size limits").
// Layer sizes come from files (an experiment's units, a saved model's
// config), so they are multiplied out with overflow checks and compared
// with these limits before anything that size is allocated.
#pragma once

#include "mlrun/core/shape.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace mlrun {

// Parameters of one model, all layers together: 8 GiB of float32 weights,
// as much again for their gradients.
constexpr std::int64_t max_model_parameters = std::int64_t{1} << 31;

// Elements of one layer's output for one sample.
constexpr std::int64_t max_sample_elements = std::int64_t{1} << 31;

// The product of the dimensions; nullopt when one is negative or the
// product does not fit in int64.
std::optional<std::int64_t> checked_element_count(const shape& dims);

// A limit as the errors print it: "2147483648 (2^31)".
std::string limit_text(std::int64_t limit);

}  // namespace mlrun
