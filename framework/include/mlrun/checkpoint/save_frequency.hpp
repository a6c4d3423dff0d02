// How often a checkpoint is saved, with the unit in the value:
// "1 epoch", "5 epochs", "500 steps" (a step is one batch), "30 min"
// (checked after every step).
#pragma once

#include <cstdint>
#include <string>

namespace mlrun {

struct save_frequency {
    enum class unit { epochs, steps, seconds };
    unit per = unit::epochs;
    std::int64_t count = 1;
};

// Parses "N epoch(s)", "N step(s)" (also "N batch(es)") or a time ("90 s",
// "30 min", "2 h"; see config/units.hpp), N >= 1. Throws
// config_error starting with `where` that lists the accepted forms when
// the number or the unit is missing or unknown.
save_frequency parse_save_frequency(const std::string& text, const std::string& where);

// "1 epoch", "5 epochs", "500 steps", "30 min".
std::string to_string(const save_frequency& frequency);

}  // namespace mlrun
