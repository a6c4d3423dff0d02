// SIGTERM and SIGINT during fit: the handler only records the signal; at
// the next step boundary this callback saves a checkpoint (save_and_exit)
// and stops without finishing the epoch, so a resume loses nothing. The
// command then exits with 128 + the signal: 130 (SIGINT), 143 (SIGTERM).
#pragma once

#include "mlrun/train/callback.hpp"

namespace mlrun {

class model_checkpoint;

class signal_stop final : public callback {
public:
    // Installs the handlers; the destructor puts the previous ones back.
    // `saver` may be nullptr (no checkpoint.path, or on_signal: exit).
    explicit signal_stop(model_checkpoint* saver);
    ~signal_stop() override;
    signal_stop(const signal_stop&) = delete;
    signal_stop& operator=(const signal_stop&) = delete;

    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;

    // The signal received while installed (0: none).
    static int received();

private:
    model_checkpoint* saver_;
    struct previous_handlers;
    previous_handlers* previous_;
};

}  // namespace mlrun
