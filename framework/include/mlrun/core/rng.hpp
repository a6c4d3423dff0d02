// The framework's random generator (xoshiro256**, seeded through splitmix64).
//
// Written out rather than taken from <random> so every build produces the
// same stream from the same seed and the state can be saved in a checkpoint
// as four integers.
#pragma once

#include <array>
#include <cstdint>

namespace mlrun {

class rng {
public:
    using state_type = std::array<std::uint64_t, 4>;

    explicit rng(std::uint64_t seed = 0) { reseed(seed); }
    void reseed(std::uint64_t seed);

    std::uint64_t next_u64();
    // Uniform in [0, 1) with 24 random bits (exactly representable).
    float uniform();
    // Uniform in [low, high).
    float uniform(float low, float high) { return low + (high - low) * uniform(); }
    // Standard normal (Marsaglia polar method, no cached second value so the
    // state alone determines the stream).
    float normal();
    // Normal with the given deviation, redrawn until within two deviations.
    float truncated_normal(float stddev);
    // Uniform integer in [0, bound).
    std::uint64_t below(std::uint64_t bound);

    const state_type& state() const { return state_; }
    void set_state(const state_type& state) { state_ = state; }

private:
    state_type state_{};
};

// Derives an independent seed for a named stream (initialisation, shuffle,
// dropout...) from the experiment's seed.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream);

}  // namespace mlrun
