#include "mlrun/callbacks/training_duration.hpp"

#include "mlrun/core/error.hpp"

#include <sstream>

namespace mlrun {

training_duration parse_training_duration(const std::string& text, const std::string& where)
{
    std::istringstream in(text);
    long long count = -1;
    std::string unit;
    std::string extra;
    const bool parsed = static_cast<bool>(in >> count >> unit) && !(in >> extra);
    training_duration d;
    if (parsed && count >= 0) {
        d.count = count;
        if (unit == "step" || unit == "steps") return d;
        if (unit == "epoch" || unit == "epochs") {
            d.in = training_duration::unit::epochs;
            return d;
        }
    }
    throw config_error(where + ": expected a count and its unit, such as '500 steps' or '2 epochs', found '" + text +
                       "'");
}

}  // namespace mlrun
