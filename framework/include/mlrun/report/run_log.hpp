// The per-epoch values of a training run, read back from what its loggers
// wrote: the CSV log or the TensorBoard event files.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mlrun {

struct run_log {
    std::string source;              // the file or directory read
    std::vector<int> epochs;         // 0-based, ascending, each once
    std::vector<std::string> names;  // as the logs name them: loss, accuracy, val_loss, lr, ...
    // One value per epoch for each name; NaN where an epoch has none.
    std::map<std::string, std::vector<double>> values;

    bool has(const std::string& name) const { return values.count(name) != 0; }
};

// A CSV log as csv_logger writes it (header "epoch,<names>..."; the
// separator is the header's first non-name character). A later row for an
// epoch replaces an earlier one (a resumed run re-logs it). Throws io_error
// naming the file, line and column of anything unreadable.
run_log read_csv_log(const std::string& path);

// The event files of `log_dir`/train and `log_dir`/validation, as
// tensorboard_logger writes them: epoch_<name> becomes <name> (val_<name>
// from validation/), epoch_learning_rate becomes lr. Throws io_error.
run_log read_event_logs(const std::string& log_dir);

// `path` a file: read as CSV. A directory: its one *.csv file, or else its
// event files. Throws io_error saying what was looked for when neither is
// there, or which CSV files compete.
run_log read_run(const std::string& path);

}  // namespace mlrun
