// A length of training with its unit, as experiment files write it:
// "500 steps", "2 epochs", "1 epoch". A bare number is refused: whether it
// meant steps or epochs is exactly the confusion the unit prevents.
#pragma once

#include <cstdint>
#include <string>

namespace mlrun {

struct training_duration {
    enum class unit { steps, epochs };
    std::int64_t count = 0;
    unit in = unit::steps;

    static training_duration steps(std::int64_t n) { return {n, unit::steps}; }
    static training_duration epochs(std::int64_t n) { return {n, unit::epochs}; }

    std::int64_t to_steps(std::int64_t steps_per_epoch) const
    {
        return in == unit::steps ? count : count * steps_per_epoch;
    }
};

// Parses "N steps" / "N step" / "N epochs" / "N epoch" with N >= 0. Throws
// config_error listing the accepted forms otherwise (config/units.hpp parses).
training_duration parse_training_duration(const std::string& text, const std::string& where);

}  // namespace mlrun
