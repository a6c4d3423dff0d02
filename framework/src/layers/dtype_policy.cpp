#include "mlrun/layers/dtype_policy.hpp"

namespace mlrun {

const char* dtype_policy_name(dtype_policy policy)
{
    return policy == dtype_policy::mixed_bfloat16 ? "mixed_bfloat16" : "float32";
}

std::optional<dtype_policy> parse_dtype_policy(const std::string& name)
{
    for (const dtype_policy p : {dtype_policy::float32, dtype_policy::mixed_bfloat16}) {
        if (name == dtype_policy_name(p)) return p;
    }
    return std::nullopt;
}

std::vector<std::string> dtype_policy_names() { return {"float32", "mixed_bfloat16"}; }

}  // namespace mlrun
