// Keras's dtype policies (keras.mixed_precision): the precision a layer
// computes in. Variables always stay float32.
//
//   float32         everything in float32 (the default)
//   mixed_bfloat16  the products of Dense and the convolutions take their
//                   inputs and weights rounded to bf16 and sum in float32;
//                   the weights, their gradients, the optimizer's state, the
//                   loss, softmax and normalization stay float32
//
// bf16 has float32's exponent range, so no loss scaling is needed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mlrun {

enum class dtype_policy { float32, mixed_bfloat16 };

// Keras's name of the policy: "float32", "mixed_bfloat16".
const char* dtype_policy_name(dtype_policy policy);
// The policy of that name; none for a name that is not one.
std::optional<dtype_policy> parse_dtype_policy(const std::string& name);
// Every policy's name, for schemas and messages.
std::vector<std::string> dtype_policy_names();

// What to do where a backend has no native bf16 (backend.bf16): emulate it
// (inputs rounded to bf16, float32 kernels; said once) or refuse to train.
enum class bf16_mode { emulate, native_only };

}  // namespace mlrun
