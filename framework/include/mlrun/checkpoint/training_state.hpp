// Where training stopped: what a checkpoint or a saved model stores so
// that another run goes on exactly as if it had not stopped (docs/resume.md).
// The trainer reports it (position inside the epoch), ModelCheckpoint adds
// the best monitored value and the callbacks' state, and fit() takes it
// back. The RNG position needs no field: shuffles of the epochs done are
// replayed from `seed`, and dropout masks follow the optimizer's `step`.
// Stored as the YAML metadata `training_state`; doubles travel as their
// bits in hex, exact.
#pragma once


#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

struct training_state {
    // What every checkpoint and saved model says.
    int epochs_done = 0;          // as {epoch} counts them: the epoch in progress + 1 mid-epoch
    std::int64_t step = 0;        // optimizer iterations
    std::uint64_t seed = 0;
    std::int64_t batch_size = 32;
    bool shuffle = true;
    // The experiment's resolved data section, as YAML text; empty when unknown.
    std::string data;

    // Where to go on, exactly (the `resume` key; checkpoints always have it).
    bool resumable = false;
    int epoch = 0;                // the epoch to go on with (0-based)
    std::int64_t steps_done = 0;  // steps of it already taken
    double loss_sum = 0.0;        // the epoch's summed loss so far
    // Each metric's running state (metric::state(); accuracy: correct, total).
    std::vector<std::vector<double>> metric_counts;
    float learning_rate = 0.0f;   // the optimizer's rate now (callbacks may have changed it)
    double best = 0.0;            // ModelCheckpoint's best monitored value so far
    double monitored = std::numeric_limits<double>::quiet_NaN();  // checkpoint.monitor at this save (keep_best)
    // {state_key: state} of the stateful callbacks, as YAML text (each
    // callback reads its own part); empty when none.
    std::string callbacks;
};

// The metadata text.
std::string format_training_state(const training_state& state);

// Reads it back. Throws io_error naming `source` and the key when one is
// missing or malformed.
training_state parse_training_state(const std::string& text, const std::string& source);

}  // namespace mlrun
