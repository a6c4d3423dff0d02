#include "mlrun/checkpoint/save_frequency.hpp"

#include "mlrun/config/units.hpp"

namespace mlrun {

save_frequency parse_save_frequency(const std::string& text, const std::string& where)
{
    unit_rules rules;
    rules.minimum = 1;
    rules.time = true;
    rules.examples = "'1 epoch', '5 epochs', '500 steps', '30 min'";
    const measure m = parse_measure(text, where, rules);
    save_frequency f;
    f.per = m.unit == count_unit::epochs    ? save_frequency::unit::epochs
            : m.unit == count_unit::seconds ? save_frequency::unit::seconds
                                            : save_frequency::unit::steps;
    f.count = m.count;
    return f;
}

std::string to_string(const save_frequency& f)
{
    if (f.per == save_frequency::unit::seconds) {
        if (f.count % 3600 == 0) return std::to_string(f.count / 3600) + " h";
        if (f.count % 60 == 0) return std::to_string(f.count / 60) + " min";
        return std::to_string(f.count) + " s";
    }
    const bool one = f.count == 1;
    return std::to_string(f.count) + (f.per == save_frequency::unit::epochs ? (one ? " epoch" : " epochs")
                                                                            : (one ? " step" : " steps"));
}

}  // namespace mlrun
