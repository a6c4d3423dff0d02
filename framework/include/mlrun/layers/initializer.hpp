// Weight initialisers with Keras's names and definitions.
#pragma once

#include "mlrun/core/rng.hpp"
#include "mlrun/core/tensor.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun {

std::vector<std::string> initializer_names();

// Throws config_error listing the known names.
void check_initializer(const std::string& name);

// Fills `t` per initialiser `name`; fan_in/fan_out as Keras computes them
// for a kernel (rows, columns).
void initialize(tensor& t, const std::string& name, std::int64_t fan_in, std::int64_t fan_out, rng& gen);

}  // namespace mlrun
