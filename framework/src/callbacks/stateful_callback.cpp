#include "mlrun/callbacks/stateful_callback.hpp"

#include "mlrun/core/error.hpp"

#include <cstdint>

namespace mlrun {

YAML::Node collect_callback_state(const std::vector<callback*>& callbacks)
{
    YAML::Node all(YAML::NodeType::Map);
    for (callback* c : callbacks) {
        if (const auto* s = dynamic_cast<const stateful_callback*>(c)) all[s->state_key()] = s->state();
    }
    return all;
}

void restore_callback_state(const std::vector<callback*>& callbacks, const YAML::Node& saved,
                            const std::string& source)
{
    if (!saved.IsDefined() || saved.IsNull()) return;
    if (!saved.IsMap()) {
        throw config_error(source + ": callbacks: expected a mapping of callback states, found " +
                           (saved.IsScalar() ? "'" + saved.Scalar() + "'" : std::string("a list")));
    }
    for (callback* c : callbacks) {
        auto* s = dynamic_cast<stateful_callback*>(c);
        if (s == nullptr) continue;
        const YAML::Node mine = saved[s->state_key()];
        if (mine.IsDefined() && !mine.IsNull()) s->restore(mine, source);
    }
}

template <class T>
T state_value(const YAML::Node& saved, const std::string& key, const std::string& owner, const std::string& source)
{
    const std::string where = source + ": callbacks." + owner + "." + key;
    const YAML::Node value = saved.IsMap() ? saved[key] : YAML::Node();
    if (!value.IsDefined() || value.IsNull()) throw config_error(where + ": missing from the saved state");
    T result{};
    if (!value.IsScalar() || !YAML::convert<T>::decode(value, result)) {
        throw config_error(where + ": expected a number, found " +
                           (value.IsScalar() ? "'" + value.Scalar() + "'" : std::string("a structure")));
    }
    return result;
}

template double state_value<double>(const YAML::Node&, const std::string&, const std::string&, const std::string&);
template int state_value<int>(const YAML::Node&, const std::string&, const std::string&, const std::string&);
template std::int64_t state_value<std::int64_t>(const YAML::Node&, const std::string&, const std::string&,
                                                const std::string&);

}  // namespace mlrun
