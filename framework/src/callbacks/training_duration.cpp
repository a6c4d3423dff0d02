#include "mlrun/callbacks/training_duration.hpp"

#include "mlrun/config/units.hpp"

namespace mlrun {

training_duration parse_training_duration(const std::string& text, const std::string& where)
{
    const measure m = parse_measure(text, where, unit_rules{});
    training_duration d;
    d.count = m.count;
    d.in = m.unit == count_unit::epochs ? training_duration::unit::epochs : training_duration::unit::steps;
    return d;
}

}  // namespace mlrun
