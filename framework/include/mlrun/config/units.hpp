// Quantities with their unit, as experiment files write them: "5 epochs",
// "500 steps", "30 min". One parser for every key that takes a length of
// training or a frequency; a bare number is refused, since whether it
// meant steps, epochs or minutes is exactly the confusion the unit prevents.
#pragma once

#include <cstdint>
#include <string>

namespace mlrun {

enum class count_unit { steps, epochs, seconds };

struct measure {
    std::int64_t count = 0;  // steps, epochs, or seconds ("30 min" is 1800)
    count_unit unit = count_unit::steps;
};

// What a key accepts: which units, the smallest count, and the example
// forms its errors show.
struct unit_rules {
    bool steps = true;
    bool epochs = true;
    bool time = false;
    std::int64_t minimum = 0;
    std::string examples = "'500 steps', '2 epochs'";
};

// Parses "N UNIT" with N a whole number: step(s) or batch(es); epoch(s);
// s, sec, second(s), min, minute(s), h, hour(s). Throws config_error
// "WHERE: 'TEXT': PROBLEM; accepted forms: EXAMPLES" when the number or
// the unit is missing, unknown or not accepted by `rules`.
measure parse_measure(const std::string& text, const std::string& where, const unit_rules& rules);

}  // namespace mlrun
