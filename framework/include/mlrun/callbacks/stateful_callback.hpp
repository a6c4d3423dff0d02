// A callback whose progress must survive a restart: EarlyStopping's best
// value and wait counter, ReduceLROnPlateau's counters and learning rate.
//
// The state is a small YAML mapping meant for the checkpoint's
// training_state (checkpoint_keys::training_state), under
// callbacks.<state_key()>. A checkpoint callback reaches the others through
// trainer::active_callbacks() while fit() runs:
//
//   YAML::Node saved = collect_callback_state(t.active_callbacks());
//   ...
//   restore_callback_state(t.active_callbacks(), saved, "cp.ckpt");
//
// restore() may come before or after on_train_begin(): a restored callback
// does not reset itself when training begins.
#pragma once

#include "mlrun/train/callback.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace mlrun {

class stateful_callback : public callback {
public:
    // The key of this callback's state, e.g. "early_stopping".
    virtual std::string state_key() const = 0;
    // Everything needed to continue as if training had not stopped.
    virtual YAML::Node state() const = 0;
    // Takes back what state() gave. Throws config_error naming `source` and
    // the key when a value is missing or of the wrong type.
    virtual void restore(const YAML::Node& state, const std::string& source) = 0;
};

// {state_key: state} for every stateful callback of `callbacks`.
YAML::Node collect_callback_state(const std::vector<callback*>& callbacks);

// Restores each stateful callback whose key `saved` holds; callbacks absent
// from `saved` keep their fresh state (a callback added on resume).
void restore_callback_state(const std::vector<callback*>& callbacks, const YAML::Node& saved,
                            const std::string& source);

// Reads saved[key] as T, or throws config_error "source: callbacks.<owner>.<key>: ...".
template <class T>
T state_value(const YAML::Node& saved, const std::string& key, const std::string& owner, const std::string& source);

}  // namespace mlrun
