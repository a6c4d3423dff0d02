#include "mlrun/keras/model_checkpoint.hpp"

#include "mlrun/checkpoint/checkpoint_manager.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/train/model_checkpoint.hpp"

#include "mlrun/core/error.hpp"

namespace mlrun::keras {

model_checkpoint::model_checkpoint(checkpoint_options options) : options_(std::move(options))
{
    if (options_.format == "auto") options_.format.clear();
    if (options_.where.empty()) options_.where = "model_checkpoint '" + options_.path + "'";
    if (options_.format_where.empty()) options_.format_where = options_.where + ": format";
    if (options_.path.empty()) throw config_error(options_.where + ": expected a path to save to");
    if (options_.keep_last < 0 || options_.keep_best < 0) {
        throw config_error(options_.where + ": keep_last and keep_best: expected 0 or more, found " +
                           std::to_string(options_.keep_last) + " and " + std::to_string(options_.keep_best));
    }
}

model_checkpoint::~model_checkpoint() = default;

void model_checkpoint::prepare(const plugin_registry& plugins, const std::vector<std::string>& log_names,
                               const std::map<std::string, std::string>& metadata, std::uint64_t seed,
                               std::int64_t batch_size, bool shuffle, int initial_epoch, std::ostream& out)
{
    training_state run;
    run.seed = seed;
    run.batch_size = batch_size;
    run.shuffle = shuffle;
    active_.reset();
    files_.reset();  // the last fit's lock on the directory goes first
    files_ = std::make_unique<checkpoint_manager>(options_, plugins, out);
    active_ = std::make_unique<mlrun::model_checkpoint>(*files_, out, log_names, metadata, run, initial_epoch);
}

mlrun::model_checkpoint& model_checkpoint::active()
{
    if (!active_) throw model_error(options_.where + ": a model_checkpoint runs inside keras::model::fit");
    return *active_;
}

void model_checkpoint::on_train_begin(trainer& t) { active().on_train_begin(t); }
void model_checkpoint::on_epoch_begin(trainer& t, int epoch) { active().on_epoch_begin(t, epoch); }

void model_checkpoint::on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    active().on_batch_end(t, batch, logs);
}

void model_checkpoint::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    active().on_epoch_end(t, epoch, logs);
}

void model_checkpoint::on_train_end(trainer& t, const metric_logs& logs)
{
    mlrun::model_checkpoint& c = active();
    c.on_train_end(t, logs);
    saved_.insert(saved_.end(), c.saved().begin(), c.saved().end());
    active_.reset();
    files_.reset();  // releases the directory for the next run
}

}  // namespace mlrun::keras
