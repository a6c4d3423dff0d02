#include "mlrun/callbacks/stateful_callback.hpp"

#include "mlrun/core/error.hpp"

#include <climits>
#include <cmath>
#include <cstdio>

namespace mlrun {

callback_states collect_callback_state(const std::vector<callback*>& callbacks)
{
    callback_states all;
    for (callback* c : callbacks) {
        if (const auto* s = dynamic_cast<const stateful_callback*>(c)) all[s->state_key()] = s->state();
    }
    return all;
}

void restore_callback_state(const std::vector<callback*>& callbacks, const callback_states& saved,
                            const std::string& source)
{
    for (callback* c : callbacks) {
        auto* s = dynamic_cast<stateful_callback*>(c);
        if (s == nullptr) continue;
        if (const auto mine = saved.find(s->state_key()); mine != saved.end()) s->restore(mine->second, source);
    }
}

double state_number(const callback_state& saved, const std::string& key, const std::string& owner,
                    const std::string& source)
{
    const auto it = saved.find(key);
    if (it == saved.end()) throw config_error(source + ": callbacks." + owner + "." + key + ": missing from the saved state");
    return it->second;
}

int state_count(const callback_state& saved, const std::string& key, const std::string& owner,
                const std::string& source)
{
    const double value = state_number(saved, key, owner, source);
    if (!(value >= INT_MIN && value <= INT_MAX) || std::trunc(value) != value) {
        char text[64];
        std::snprintf(text, sizeof text, "%.17g", value);
        throw config_error(source + ": callbacks." + owner + "." + key + ": expected a whole number, found " + text);
    }
    return static_cast<int>(value);
}

}  // namespace mlrun
