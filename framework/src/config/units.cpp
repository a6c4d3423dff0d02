#include "mlrun/config/units.hpp"

#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace mlrun {
namespace {

struct unit_name {
    const char* name;
    count_unit unit;
    std::int64_t seconds;  // for time units: seconds per unit
};

const unit_name names[] = {
    {"step", count_unit::steps, 0},      {"steps", count_unit::steps, 0},     {"batch", count_unit::steps, 0},
    {"batches", count_unit::steps, 0},   {"epoch", count_unit::epochs, 0},    {"epochs", count_unit::epochs, 0},
    {"s", count_unit::seconds, 1},       {"sec", count_unit::seconds, 1},     {"second", count_unit::seconds, 1},
    {"seconds", count_unit::seconds, 1}, {"min", count_unit::seconds, 60},    {"minute", count_unit::seconds, 60},
    {"minutes", count_unit::seconds, 60}, {"h", count_unit::seconds, 3600},   {"hour", count_unit::seconds, 3600},
    {"hours", count_unit::seconds, 3600},
};

bool accepts(const unit_rules& rules, count_unit unit)
{
    switch (unit) {
    case count_unit::steps: return rules.steps;
    case count_unit::epochs: return rules.epochs;
    case count_unit::seconds: return rules.time;
    }
    return false;
}

}  // namespace

measure parse_measure(const std::string& text, const std::string& where, const unit_rules& rules)
{
    std::istringstream in(text);
    std::string number, unit, extra;
    in >> number >> unit >> extra;
    const std::string prefix = where + ": '" + text + "': ";
    const std::string accepted = "; accepted forms: " + rules.examples +
                                 (rules.steps ? " (a step is one batch)" : "");
    const bool digits = !number.empty() && std::all_of(number.begin(), number.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
    if (!digits) throw config_error(prefix + "expected a whole number and a unit" + accepted);
    if (unit.empty()) throw config_error(prefix + "the unit is missing" + accepted);
    if (!extra.empty()) throw config_error(prefix + "unexpected '" + extra + "' after the unit" + accepted);
    const auto* found = std::find_if(std::begin(names), std::end(names), [&](const unit_name& n) { return unit == n.name; });
    if (found == std::end(names) || !accepts(rules, found->unit)) {
        throw config_error(prefix + "unknown unit '" + unit + "'" + accepted);
    }
    measure m;
    m.unit = found->unit;
    constexpr std::int64_t largest = 1'000'000'000'000;  // 10^12
    if (number.size() > 12 || (m.count = std::stoll(number)) < rules.minimum || m.count > largest) {
        throw config_error(prefix + "the number must be between " + std::to_string(rules.minimum) + " and 10^12" + accepted);
    }
    if (m.unit == count_unit::seconds) m.count *= found->seconds;
    return m;
}

}  // namespace mlrun
