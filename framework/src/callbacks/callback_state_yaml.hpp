// The YAML text of the callbacks' state, as training_state::callbacks
// stores it: {early_stopping: {best: 0.25, best_epoch: 2, wait: 1}, ...}.
#pragma once

#include "mlrun/callbacks/stateful_callback.hpp"

#include <string>

namespace mlrun {

// Doubles with enough digits to read back exactly; infinities as .inf.
std::string format_callback_states(const callback_states& states);

// Reads it back; "" is no state. Throws config_error naming `source` and
// the key for text that is not a mapping of mappings of numbers.
callback_states parse_callback_states(const std::string& text, const std::string& source);

}  // namespace mlrun
