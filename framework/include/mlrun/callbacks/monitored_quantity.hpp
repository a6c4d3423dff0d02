// A logged value that a callback watches for improvement (EarlyStopping,
// ReduceLROnPlateau): which name, which direction counts as better, and by
// how much it must change to count at all.
#pragma once

#include <string>
#include <vector>

namespace mlrun {

enum class monitor_mode { automatic, min, max };

// "auto" | "min" | "max"; anything else throws config_error naming `where`.
monitor_mode parse_monitor_mode(const std::string& text, const std::string& where);

class monitored_quantity {
public:
    // `mode` automatic picks max for accuracy metrics ("accuracy", "val_acc",
    // ...) and min for losses, as Keras does; for any other name it throws
    // config_error naming `where`, since guessing wrong would make the
    // callback act on the opposite of what was meant. `min_delta` is taken
    // as its absolute value.
    monitored_quantity(std::string name, monitor_mode mode, double min_delta, const std::string& where);

    const std::string& name() const { return name_; }
    bool minimizes() const { return minimize_; }
    double min_delta() const { return min_delta_; }

    // True when `current` beats `reference` by more than min_delta in the
    // monitored direction (Keras: current - min_delta < reference for min).
    bool improves_on(double current, double reference) const;

    // The value every real value improves on: +inf when minimising.
    double worst() const;

private:
    std::string name_;
    bool minimize_;
    double min_delta_;
};

// Checks that `name` is among `logged` (the names the training logs will
// carry); otherwise throws config_error naming `where` (the monitor key),
// listing what is logged and suggesting the closest name.
void require_logged(const std::string& name, const std::vector<std::string>& logged, const std::string& where);

}  // namespace mlrun
