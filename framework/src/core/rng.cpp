#include "mlrun/core/rng.hpp"

#include <cmath>

namespace mlrun {
namespace {

std::uint64_t splitmix64(std::uint64_t& x)
{
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

void rng::reseed(std::uint64_t seed)
{
    for (auto& word : state_) word = splitmix64(seed);
}

std::uint64_t rng::next_u64()
{
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
}

float rng::uniform() { return static_cast<float>(next_u64() >> 40) * (1.0f / 16777216.0f); }

float rng::normal()
{
    for (;;) {
        const double u = 2.0 * (static_cast<double>(next_u64() >> 11) * 0x1.0p-53) - 1.0;
        const double v = 2.0 * (static_cast<double>(next_u64() >> 11) * 0x1.0p-53) - 1.0;
        const double s = u * u + v * v;
        if (s > 0.0 && s < 1.0) return static_cast<float>(u * std::sqrt(-2.0 * std::log(s) / s));
    }
}

float rng::truncated_normal(float stddev)
{
    for (;;) {
        const float x = normal();
        if (std::fabs(x) <= 2.0f) return x * stddev;
    }
}

std::uint64_t rng::below(std::uint64_t bound)
{
    // Rejection keeps the result unbiased for any bound.
    const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % bound);
    for (;;) {
        const std::uint64_t x = next_u64();
        if (x < limit) return x % bound;
    }
}

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream)
{
    std::uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    return splitmix64(x);
}

}  // namespace mlrun
