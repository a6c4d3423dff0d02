// TensorBoard: per-epoch scalars in event files, laid out as Keras lays
// them out, so `tensorboard --logdir LOG_DIR` shows mlrun runs next to
// TensorFlow ones:
//
//   LOG_DIR/train/events.out.tfevents.<seconds>.<host>       epoch_loss, epoch_accuracy,
//                                                            epoch_learning_rate
//   LOG_DIR/validation/events.out.tfevents.<seconds>.<host>  epoch_loss, epoch_accuracy
//
// The step of each value is the 0-based epoch. Every fit() starts new
// files (a resumed run adds files; TensorBoard joins them). Each epoch's
// event is on disk when the epoch ends, whole or (a full disk) not at all.
#pragma once

#include "mlrun/report/event_file.hpp"
#include "mlrun/train/callback.hpp"

#include <memory>
#include <string>

namespace mlrun {

// Keras's TensorBoard(log_dir='logs'); the epoch scalars only.
struct tensorboard_options {
    std::string log_dir = "logs";
};

class tensorboard_logger final : public callback {
public:
    explicit tensorboard_logger(const tensorboard_options& options);

    void on_train_begin(trainer& t) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;

    // The files of the current (or last) fit; empty paths before any.
    std::string train_file() const { return train_ ? train_->path() : ""; }
    std::string validation_file() const { return validation_ ? validation_->path() : ""; }

private:
    tensorboard_options options_;
    std::unique_ptr<event_file_writer> train_;
    std::unique_ptr<event_file_writer> validation_;  // made at the first epoch with validation values
};

}  // namespace mlrun
