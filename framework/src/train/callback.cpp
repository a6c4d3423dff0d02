#include "mlrun/train/callback.hpp"

namespace mlrun {

void metric_logs::set(const std::string& name, double value)
{
    for (auto& [key, v] : values) {
        if (key == name) {
            v = value;
            return;
        }
    }
    values.emplace_back(name, value);
}

std::optional<double> metric_logs::get(const std::string& name) const
{
    for (const auto& [key, v] : values) {
        if (key == name) return v;
    }
    return std::nullopt;
}

}  // namespace mlrun
