#include "mlrun/keras/model_checkpoint.hpp"

#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/core/error.hpp"

namespace mlrun::keras {

model_checkpoint::model_checkpoint(checkpoint_policy policy) : policy_(std::move(policy))
{
    if (policy_.where.empty()) policy_.where = "model_checkpoint '" + policy_.path + "'";
    if (policy_.path.empty()) throw config_error(policy_.where + ": expected a path to save to");
    if (policy_.keep_last < 0) {
        throw config_error(policy_.where + ": keep_last: expected 0 (keep all) or more, found " +
                           std::to_string(policy_.keep_last));
    }
}

model_checkpoint::~model_checkpoint() = default;

void model_checkpoint::prepare(const plugin_registry& plugins, const std::vector<std::string>& log_names,
                               const std::map<std::string, std::string>& metadata, std::uint64_t seed,
                               std::int64_t batch_size, bool shuffle, int initial_epoch, std::ostream& out)
{
    checkpoint_policy policy = policy_;
    policy.seed = seed;
    policy.batch_size = batch_size;
    policy.shuffle = shuffle;
    policy.start_epoch = initial_epoch;
    const std::string requested = policy.format == "auto" ? "" : policy.format;
    const plugin_record& plugin = choose_format(plugins, requested, policy.path, policy.where + ": format");
    active_.reset();  // the last fit's lock on the directory goes first
    active_ = std::make_unique<mlrun::model_checkpoint>(policy, plugin, out, log_names, metadata);
}

mlrun::model_checkpoint& model_checkpoint::active()
{
    if (!active_) throw model_error(policy_.where + ": a model_checkpoint runs inside keras::model::fit");
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
    active_.reset();  // releases the directory for the next run
}

}  // namespace mlrun::keras
