#include "mlrun/callbacks/tensorboard_logger.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/train/trainer.hpp"

#include <boost/filesystem/path.hpp>

#include <utility>
#include <vector>

namespace mlrun {

tensorboard_logger::tensorboard_logger(const tensorboard_options& options) : options_(options)
{
    if (options_.log_dir.empty()) throw config_error("TensorBoard: log_dir: expected a directory, found ''");
}

void tensorboard_logger::on_train_begin(trainer&)
{
    train_ = std::make_unique<event_file_writer>((boost::filesystem::path(options_.log_dir) / "train").string());
    validation_.reset();
}

void tensorboard_logger::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    if (!train_) throw io_error(options_.log_dir + ": the event files are not open (training did not begin)");
    std::vector<std::pair<std::string, float>> train_values;
    std::vector<std::pair<std::string, float>> validation_values;
    std::optional<double> rate;
    for (const auto& [name, value] : logs.values) {
        if (name == "lr") {
            rate = value;
        } else if (name.compare(0, 4, "val_") == 0) {
            validation_values.emplace_back("epoch_" + name.substr(4), static_cast<float>(value));
        } else {
            train_values.emplace_back("epoch_" + name, static_cast<float>(value));
        }
    }
    // The rate the epoch trained with: the logs' when a learning-rate
    // callback put it there, else the optimizer's, which nothing changed.
    const double learning_rate = rate ? *rate : static_cast<double>(t.get_optimizer().learning_rate());
    train_values.emplace_back("epoch_learning_rate", static_cast<float>(learning_rate));
    train_->add_scalars(epoch, train_values);
    if (validation_values.empty()) return;
    if (!validation_) {
        validation_ = std::make_unique<event_file_writer>(
            (boost::filesystem::path(options_.log_dir) / "validation").string());
    }
    validation_->add_scalars(epoch, validation_values);
}

}  // namespace mlrun
