// Helpers shared by tests: build models from inline YAML, random tensors.
#pragma once

#include "mlrun/core/rng.hpp"
#include "mlrun/core/tensor.hpp"
#include "mlrun/model/model_builder.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace mlrun::testing {

// A built model from a YAML layer list such as
// "[{Dense: {units: 3, input_shape: [4]}}]".
inline std::unique_ptr<model> model_from_yaml(const std::string& layers, std::uint64_t seed = 1)
{
    auto m = build_model(YAML::Load(layers), "<test>", std::nullopt);
    rng init(seed);
    m->build(init);
    return m;
}

inline tensor random_tensor(const shape& dims, rng& gen, float low = -1.0f, float high = 1.0f)
{
    tensor t(dims);
    for (std::int64_t i = 0; i < t.size(); ++i) t.f32()[i] = gen.uniform(low, high);
    return t;
}

// Repository root and build tree, as ctest passes them.
inline std::string source_dir()
{
    const char* dir = std::getenv("MLRUN_SOURCE_DIR");
    return dir != nullptr ? dir : ".";
}

inline std::string binary_dir()
{
    const char* dir = std::getenv("MLRUN_BINARY_DIR");
    return dir != nullptr ? dir : ".";
}

}  // namespace mlrun::testing
