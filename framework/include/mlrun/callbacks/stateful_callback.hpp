// A callback whose progress must survive a restart: EarlyStopping's best
// value and wait counter, ReduceLROnPlateau's counters and learning rate.
//
// The state is a few named numbers, meant for the checkpoint's
// training_state (checkpoint_keys::training_state), under
// callbacks.<state_key()>. A checkpoint callback reaches the others through
// trainer::active_callbacks() while fit() runs:
//
//   callback_states saved = collect_callback_state(t.active_callbacks());
//   ...
//   restore_callback_state(t.active_callbacks(), saved, "cp.ckpt");
//
// restore() may come before or after on_train_begin(): a restored callback
// does not reset itself when training begins.
#pragma once

#include "mlrun/train/callback.hpp"

#include <map>
#include <string>
#include <vector>

namespace mlrun {

// One callback's state: {name: value}; counters are whole numbers, and
// doubles travel exactly (infinities included).
using callback_state = std::map<std::string, double>;
// {state_key: state} of the stateful callbacks of a run.
using callback_states = std::map<std::string, callback_state>;

class stateful_callback : public callback {
public:
    // The key of this callback's state, e.g. "early_stopping".
    virtual std::string state_key() const = 0;
    // Everything needed to continue as if training had not stopped.
    virtual callback_state state() const = 0;
    // Takes back what state() gave. Throws config_error naming `source` and
    // the key when a value is missing or out of range.
    virtual void restore(const callback_state& state, const std::string& source) = 0;
};

// {state_key: state} for every stateful callback of `callbacks`.
callback_states collect_callback_state(const std::vector<callback*>& callbacks);

// Restores each stateful callback whose key `saved` holds; callbacks absent
// from `saved` keep their fresh state (a callback added on resume).
void restore_callback_state(const std::vector<callback*>& callbacks, const callback_states& saved,
                            const std::string& source);

// saved[key], or throws config_error "source: callbacks.<owner>.<key>: missing from the saved state".
double state_number(const callback_state& saved, const std::string& key, const std::string& owner,
                    const std::string& source);
// The same for a counter: a whole number that fits an int, else config_error.
int state_count(const callback_state& saved, const std::string& key, const std::string& owner,
                const std::string& source);

}  // namespace mlrun
