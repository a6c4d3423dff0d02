// The Keras progress display.
//
// verbose 1: a live bar per epoch, redrawn in place
//   Epoch 1/10
//   32/32 [==============================] - 1s 14ms/step - loss: 1.2 - accuracy: 0.6 - val_loss: ...
// verbose 2: one plain line per epoch (for logs and pipes)
//   Epoch 1/10 - 32/32 - 0s 14ms/step - loss: 1.2 - accuracy: 0.6 - val_loss: ...
// verbose 0: nothing.
#pragma once

#include "mlrun/train/callback.hpp"

#include <chrono>
#include <ostream>

namespace mlrun {

class progress_printer final : public callback {
public:
    progress_printer(std::ostream& out, int verbose, int epochs, std::int64_t steps_per_epoch);

    void on_epoch_begin(trainer& t, int epoch) override;
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;

private:
    using clock = std::chrono::steady_clock;
    void draw_bar(std::int64_t done, const metric_logs& logs, bool final);

    std::ostream& out_;
    int verbose_;
    int epochs_;
    std::int64_t steps_;
    clock::time_point epoch_start_;
    clock::time_point last_draw_;
};

// "14ms/step" / "850us/step" / "2s/step", as Keras formats step times.
std::string format_step_time(double seconds_per_step);
// " - loss: 0.4123 - accuracy: 0.8760 ..." for every value of `logs`.
std::string format_logs(const metric_logs& logs);

}  // namespace mlrun
