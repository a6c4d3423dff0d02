// Keras's regularizers and constraints, applied to weights and outputs
// (the specs are in layer_spec.hpp). Computed on the host, in double for
// the sums, since every backend keeps tensors in host memory.
#pragma once

#include "mlrun/config/key_spec.hpp"
#include "mlrun/core/tensor.hpp"
#include "mlrun/layers/layer_spec.hpp"

#include <string>

namespace mlrun {

// l1 * sum(|x|) + l2 * sum(x^2) over x[0, n).
double regularization_penalty(const regularizer_spec& r, std::int64_t n, const float* x);
// grad += scale * d penalty / dx (the subgradient of |x| at 0 is 0).
void add_regularization_gradient(const regularizer_spec& r, std::int64_t n, const float* x, float scale, float* grad);

// Projects `w` in place as the constraint says.
void apply_constraint(const constraint_spec& c, tensor& w);

// Refuse values Keras would refuse, naming `where` ("layer 'd' (Dense):
// kernel_regularizer") and what was expected.
void check_regularizer(const regularizer_spec& r, const std::string& where);
void check_constraint(const constraint_spec& c, const std::string& where);

// Names as experiment files write them ("l2", "max_norm") and back.
std::string regularizer_name(regularizer_kind kind);
std::string constraint_name(constraint_kind kind);
std::vector<std::string> regularizer_names();
std::vector<std::string> constraint_names();
// Throws config_error naming `where` and the known names.
regularizer_kind parse_regularizer_kind(const std::string& name, const std::string& where);
constraint_kind parse_constraint_kind(const std::string& name, const std::string& where);

// The schema key of a regularizer or a constraint named `name`, on `what`
// ("the kernel"); penalized_weights.hpp lists each class's.
key_spec regularizer_key(const std::string& name, const std::string& what);
key_spec constraint_key(const std::string& name, const std::string& what);

}  // namespace mlrun
