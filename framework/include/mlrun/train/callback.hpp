// Hooks into the training loop, the way Keras callbacks are.
//
// Epochs are 0-based here (Keras passes 0-based epochs to callbacks and
// prints them 1-based). Logs are the metrics so far, in a fixed order:
// loss, the metrics, then val_loss and the validation metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class trainer;

struct metric_logs {
    std::vector<std::pair<std::string, double>> values;

    void set(const std::string& name, double value);
    std::optional<double> get(const std::string& name) const;
};

// What the ranks of a data-parallel run settle together at every step. It
// travels in the step's sum of the loss and the metrics (no message of its
// own): before the sum each rank's callbacks say what that rank knows
// (callback::vote), and after it every rank holds the same answer
// (trainer::agreed), so all act on it at the same step.
struct step_vote {
    bool interrupted = false;  // SIGINT reached this rank (any rank, once agreed)
    bool terminated = false;   // SIGTERM reached this rank (any rank, once agreed)
    bool save_due = false;     // rank 0 alone: its clock says a timed checkpoint is due
};

class callback {
public:
    virtual ~callback() = default;
    // Data-parallel runs only: asked on every rank before each step's sums.
    virtual void vote(trainer&, step_vote&) {}
    virtual void on_train_begin(trainer&) {}
    virtual void on_epoch_begin(trainer&, int /*epoch*/) {}
    virtual void on_batch_begin(trainer&, std::int64_t /*batch*/) {}
    virtual void on_batch_end(trainer&, std::int64_t /*batch*/, const metric_logs&) {}
    virtual void on_epoch_end(trainer&, int /*epoch*/, const metric_logs&) {}
    virtual void on_train_end(trainer&, const metric_logs&) {}
};

}  // namespace mlrun
