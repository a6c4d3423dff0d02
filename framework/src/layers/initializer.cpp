#include "mlrun/layers/initializer.hpp"

#include "mlrun/core/error.hpp"

#include <cmath>

namespace mlrun {
namespace {

// Keras divides the deviation of its truncated normals by this, the
// deviation of a unit normal truncated at two deviations.
constexpr float truncation_correction = 0.87962566103423978f;

const char* const names[] = {"glorot_uniform", "glorot_normal", "he_uniform",    "he_normal",      "lecun_uniform",
                             "lecun_normal",   "zeros",         "ones",          "random_uniform", "random_normal"};

void fill_uniform(tensor& t, float limit, rng& gen)
{
    float* p = t.f32();
    for (std::int64_t i = 0; i < t.size(); ++i) p[i] = gen.uniform(-limit, limit);
}

void fill_truncated(tensor& t, float stddev, rng& gen)
{
    float* p = t.f32();
    for (std::int64_t i = 0; i < t.size(); ++i) p[i] = gen.truncated_normal(stddev / truncation_correction);
}

void fill_constant(tensor& t, float value)
{
    float* p = t.f32();
    for (std::int64_t i = 0; i < t.size(); ++i) p[i] = value;
}

}  // namespace

std::vector<std::string> initializer_names() { return {std::begin(names), std::end(names)}; }

void check_initializer(const std::string& name)
{
    for (const char* known : names) {
        if (name == known) return;
    }
    std::string list;
    for (const char* known : names) list += std::string(list.empty() ? "" : ", ") + known;
    throw config_error("unknown initializer '" + name + "'; known: " + list);
}

void initialize(tensor& t, const std::string& name, std::int64_t fan_in, std::int64_t fan_out, rng& gen)
{
    const auto in = static_cast<float>(fan_in);
    const auto out = static_cast<float>(fan_out);
    if (name == "glorot_uniform") return fill_uniform(t, std::sqrt(6.0f / (in + out)), gen);
    if (name == "glorot_normal") return fill_truncated(t, std::sqrt(2.0f / (in + out)), gen);
    if (name == "he_uniform") return fill_uniform(t, std::sqrt(6.0f / in), gen);
    if (name == "he_normal") return fill_truncated(t, std::sqrt(2.0f / in), gen);
    if (name == "lecun_uniform") return fill_uniform(t, std::sqrt(3.0f / in), gen);
    if (name == "lecun_normal") return fill_truncated(t, std::sqrt(1.0f / in), gen);
    if (name == "zeros") return fill_constant(t, 0.0f);
    if (name == "ones") return fill_constant(t, 1.0f);
    if (name == "random_uniform") return fill_uniform(t, 0.05f, gen);
    if (name == "random_normal") {
        float* p = t.f32();
        for (std::int64_t i = 0; i < t.size(); ++i) p[i] = 0.05f * gen.normal();
        return;
    }
    check_initializer(name);
}

}  // namespace mlrun
