// Keras's ModelCheckpoint for keras::model::fit: the same callback the
// experiment's `checkpoint` section makes (train/model_checkpoint.hpp),
// set up by fit() with the names it will log and the model's formats.
//
//     checkpoint_options every_epoch;
//     every_epoch.path = "training_1/cp.ckpt";
//     keras::model_checkpoint cp(every_epoch);
//     m.fit(train, args.with_callback(cp));
#pragma once

#include "mlrun/checkpoint/checkpoint_options.hpp"
#include "mlrun/train/callback.hpp"

#include <cstdint>
#include <map>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {
class checkpoint_manager;
class model_checkpoint;
class plugin_registry;
}

namespace mlrun::keras {

class model_checkpoint final : public callback {
public:
    // options.format: a format's name, or empty for the one the path
    // selects. The seed, batch size, shuffle and start epoch recorded with
    // each checkpoint come from the fit it serves.
    explicit model_checkpoint(checkpoint_options options);
    ~model_checkpoint() override;

    // Called by keras::model::fit before training; throws config_error when
    // the path's fields or the monitor are not among `log_names`.
    void prepare(const plugin_registry& plugins, const std::vector<std::string>& log_names,
                 const std::map<std::string, std::string>& metadata, std::uint64_t seed, std::int64_t batch_size,
                 bool shuffle, int initial_epoch, std::ostream& out);

    void on_train_begin(trainer& t) override;
    void on_epoch_begin(trainer& t, int epoch) override;
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs) override;
    void on_epoch_end(trainer& t, int epoch, const metric_logs& logs) override;
    void on_train_end(trainer& t, const metric_logs& logs) override;

    // Every path saved so far, in order, across fits.
    const std::vector<std::string>& saved() const { return saved_; }

private:
    mlrun::model_checkpoint& active();

    checkpoint_options options_;
    // For one fit: the files (the manager holds the directory's lock) and
    // the callback deciding when to save.
    std::unique_ptr<checkpoint_manager> files_;
    std::unique_ptr<mlrun::model_checkpoint> active_;
    std::vector<std::string> saved_;
};

}  // namespace mlrun::keras
