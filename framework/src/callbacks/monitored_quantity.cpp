#include "mlrun/callbacks/monitored_quantity.hpp"

#include "config/schema.hpp"
#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mlrun {
namespace {

bool starts_with(const std::string& text, const std::string& prefix)
{
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Keras's accuracy metrics all carry "acc" in their names (accuracy,
// sparse_categorical_accuracy, acc); losses end in "loss".
bool is_accuracy(const std::string& name) { return name.find("acc") != std::string::npos; }

}  // namespace

monitor_mode parse_monitor_mode(const std::string& text, const std::string& where)
{
    if (text == "auto") return monitor_mode::automatic;
    if (text == "min") return monitor_mode::min;
    if (text == "max") return monitor_mode::max;
    throw config_error(where + ": mode: expected auto, min or max, found '" + text + "'");
}

monitored_quantity::monitored_quantity(std::string name, monitor_mode mode, double min_delta,
                                       const std::string& where)
    : name_(std::move(name)), minimize_(true), min_delta_(std::fabs(min_delta))
{
    if (mode == monitor_mode::min || mode == monitor_mode::max) {
        minimize_ = mode == monitor_mode::min;
        return;
    }
    const std::string metric = starts_with(name_, "val_") ? name_.substr(4) : name_;
    if (is_accuracy(metric)) {
        minimize_ = false;
    } else if (metric == "loss") {
        minimize_ = true;
    } else {
        throw config_error(where + ": monitor: cannot tell whether '" + name_ +
                           "' should go up or down; set mode: min or mode: max");
    }
}

bool monitored_quantity::improves_on(double current, double reference) const
{
    return minimize_ ? current < reference - min_delta_ : current > reference + min_delta_;
}

double monitored_quantity::worst() const
{
    const double inf = std::numeric_limits<double>::infinity();
    return minimize_ ? inf : -inf;
}

void require_logged(const std::string& name, const std::vector<std::string>& logged, const std::string& where)
{
    if (std::find(logged.begin(), logged.end(), name) != logged.end()) return;
    std::string list;
    for (const std::string& n : logged) list += (list.empty() ? "" : ", ") + n;
    const std::string hint = did_you_mean(name, logged);
    std::string why;
    if (starts_with(name, "val_") && std::none_of(logged.begin(), logged.end(), [](const std::string& n) {
            return starts_with(n, "val_");
        })) {
        why = " (validation values need fit.validation: test)";
    }
    throw config_error(where + ": '" + name + "' is not logged by this experiment" + why +
                       "; logged: " + list + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

}  // namespace mlrun
