// SIGTERM and SIGINT during fit: the handler only records the signal; at
// the next step boundary this callback saves a checkpoint (save_and_exit)
// and stops without finishing the epoch, so a resume loses nothing. The
// command then exits with 128 + the signal: 130 (SIGINT), 143 (SIGTERM).
//
// Data-parallel, each rank is signalled at its own step (or only one is):
// each votes what it received, and all stop, save together and exit with
// the same code at the first step whose sums carried a signal.
#pragma once

#include "mlrun/train/callback.hpp"

namespace mlrun {

class communicator;
class model_checkpoint;

class signal_stop final : public callback {
public:
    // Installs the handlers; the destructor puts the previous ones back.
    // `saver` may be nullptr (no checkpoint.path, or on_signal: exit).
    explicit signal_stop(model_checkpoint* saver);
    ~signal_stop() override;
    signal_stop(const signal_stop&) = delete;
    signal_stop& operator=(const signal_stop&) = delete;

    void vote(trainer& t, step_vote& v) override;
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;
    // After a data-parallel fit() that ran to its end: a signal one rank
    // received after the last step's sums becomes every rank's, so all
    // exit alike (as one process does on a signal after its last step).
    void agree_after_training(communicator& ranks);

    // The signal received while installed (0: none).
    static int received();

private:
    model_checkpoint* saver_;
    struct previous_handlers;
    previous_handlers* previous_;
};

}  // namespace mlrun
