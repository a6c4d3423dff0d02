// Helpers shared by tests: build models from layers or inline YAML, random tensors.
#pragma once

#include "mlrun/core/rng.hpp"
#include "mlrun/core/tensor.hpp"
#include "mlrun/keras/layers.hpp"
#include "model/model_yaml.hpp"

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

// A built Sequential model of `layers` taking samples of `input_shape`:
// model_of({keras::dense(3, "relu"), keras::dense(2)}, {4}).
inline std::unique_ptr<model> model_of(const std::vector<keras::layer>& layers, std::vector<std::int64_t> input_shape,
                                       std::uint64_t seed = 1)
{
    model_spec spec;
    for (const keras::layer& l : layers) spec.layers.push_back({l, {}, ""});
    spec.input_shape = std::move(input_shape);
    auto m = build_model(spec, std::nullopt);
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
