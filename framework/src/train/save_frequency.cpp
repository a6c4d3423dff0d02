#include "mlrun/train/save_frequency.hpp"

#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace mlrun {
namespace {

const char* const accepted = "accepted forms: '1 epoch', '5 epochs', '500 steps' (a step is one batch)";

}  // namespace

save_frequency parse_save_frequency(const std::string& text, const std::string& where)
{
    std::istringstream in(text);
    std::string number, unit, extra;
    in >> number >> unit >> extra;
    const std::string prefix = where + ": '" + text + "': ";
    if (number.empty() || !std::all_of(number.begin(), number.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        throw config_error(prefix + "expected a whole number and a unit; " + accepted);
    }
    if (unit.empty()) throw config_error(prefix + "the unit is missing; " + accepted);
    if (!extra.empty()) throw config_error(prefix + "unexpected '" + extra + "' after the unit; " + accepted);
    save_frequency f;
    if (number.size() > 12 || (f.count = std::stoll(number)) < 1) {
        throw config_error(prefix + "the number must be between 1 and 10^12; " + accepted);
    }
    if (unit == "epoch" || unit == "epochs") f.per = save_frequency::unit::epochs;
    else if (unit == "step" || unit == "steps" || unit == "batch" || unit == "batches") f.per = save_frequency::unit::steps;
    else throw config_error(prefix + "unknown unit '" + unit + "'; " + accepted);
    return f;
}

std::string to_string(const save_frequency& f)
{
    const bool one = f.count == 1;
    return std::to_string(f.count) + (f.per == save_frequency::unit::epochs ? (one ? " epoch" : " epochs")
                                                                            : (one ? " step" : " steps"));
}

}  // namespace mlrun
