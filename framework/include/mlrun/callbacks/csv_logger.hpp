// CSVLogger: one row per epoch with every logged value, as Keras writes it.
//
//   epoch,accuracy,loss,lr,val_accuracy,val_loss
//   0,0.7719999551773071,0.7866,0.001,0.8539999723434448,0.4969
//
// The epoch column is 0-based and the other columns are sorted by name
// (Keras's layout, so existing readers of such files work unchanged).
// Values are written with the fewest digits that read back to the same
// double. Each row is appended whole and synced, or not at all (a full disk
// cuts the file back to its last whole row: appending_file), so the file is
// complete up to the last finished epoch even if the run dies.
//
// With append, an existing file gets new rows (resuming); its header must
// name the same columns, otherwise io_error: rows of two layouts in one
// file could not be read back. Without append the file is replaced at the
// start of training, whole (atomic_file): until then it is the old log.
#pragma once

#include "mlrun/train/callback.hpp"

#include "mlrun/core/appending_file.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mlrun {

// Keras's CSVLogger(filename, separator=',', append=False).
struct csv_logger_options {
    std::string filename;  // the experiment's callbacks.csv_logger.path
    char separator = ',';
    bool append = false;
    // The names the logs will carry, when known in advance: an append to a
    // file with other columns then fails before training, not after an
    // epoch. A run's callbacks (callback_set) fill it in.
    std::vector<std::string> expected_logs;
};

class csv_logger final : public callback {
public:
    explicit csv_logger(const csv_logger_options& options);

    void on_train_begin(trainer& t) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;
    void on_train_end(trainer& t, const metric_logs& logs) override;

private:
    std::string line(const std::vector<std::string>& cells) const;
    void write_line(const std::vector<std::string>& cells);
    void set_columns(std::vector<std::string> names);

    csv_logger_options options_;
    std::unique_ptr<appending_file> file_;
    std::vector<std::string> existing_header_;  // of the file appended to, empty when new
    std::vector<std::string> columns_;          // fixed at the first row
};

// The shortest decimal text that reads back to exactly `value`.
std::string shortest_decimal(double value);

}  // namespace mlrun
