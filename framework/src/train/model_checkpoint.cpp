#include "mlrun/train/model_checkpoint.hpp"

#include <yaml-cpp/yaml.h>

#include "callbacks/callback_state_yaml.hpp"
#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/checkpoint/tensor_checksums.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/core/error.hpp"
#include "metrics/metric_yaml.hpp"
#include "mlrun/train/trainer.hpp"
#include "mlrun/version.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

namespace mlrun {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

std::string joined(const std::vector<std::string>& list)
{
    std::string text;
    for (const std::string& s : list) text += (text.empty() ? "" : ", ") + s;
    return text;
}

// For checkpoint.every in time units: immune to changes of the wall clock.
double steady_seconds()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string five_decimals(double value)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.5f", value);
    return text;
}

}  // namespace

model_checkpoint::model_checkpoint(checkpoint_manager& files, std::ostream& out, const std::vector<std::string>& log_names,
                                   std::map<std::string, std::string> metadata, training_state run, int start_epoch)
    : files_(files), out_(out), metadata_(std::move(metadata)), run_(std::move(run)), start_epoch_(start_epoch)
{
    const checkpoint_options& o = options();
    const bool by_steps = o.every.per != save_frequency::unit::epochs;  // saves mid-epoch
    auto logged_mid_epoch = [&](const std::string& name) { return !by_steps || name.rfind("val_", 0) != 0; };
    std::vector<std::string> fields = {"epoch", "step"};
    if (by_steps) fields.push_back("batch");
    for (const std::string& name : log_names) {
        if (logged_mid_epoch(name)) fields.push_back(name);
    }
    for (const std::string& field : files_.path().fields()) {
        if (contains(fields, field)) continue;
        if (contains(log_names, field)) {
            throw config_error(o.where + ": {" + field + "} is only logged at the end of an epoch, but checkpoint.every is '" +
                               to_string(o.every) + "'; use a frequency in epochs or one of: " + joined(fields));
        }
        throw config_error(o.where + ": '" + o.path + "': unknown field {" + field + "}; available: " + joined(fields) +
                           (field == "batch" ? " ({batch} needs checkpoint.every in steps)" : ""));
    }
    if (o.save_at_start) {
        for (const std::string& field : files_.path().fields()) {
            if (field != "epoch" && field != "step") {
                throw config_error(o.where + ": checkpoint.save_at_start saves before anything is logged, so the path can use {epoch} and {step} only, not {" +
                                   field + "}");
            }
        }
    }
    if (o.save_best_only && !(contains(log_names, o.monitor) && logged_mid_epoch(o.monitor))) {
        throw config_error(o.where + ": checkpoint.monitor '" + o.monitor + "' is not logged" +
                           (by_steps ? " after every step" : "") + "; logged: " + joined(fields) +
                           (o.monitor.rfind("val_", 0) == 0 ? " (val_ metrics need fit.validation: test)" : ""));
    }
    larger_is_better_ = o.larger_is_better();
    best_ = larger_is_better_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}


void model_checkpoint::on_train_begin(trainer& t)
{
    saved_.clear();
    epoch_ = start_epoch_;
    last_save_time_ = steady_seconds();
    const auto made_by = metadata_.find(checkpoint_keys::experiment);
    files_.begin_run(made_by == metadata_.end() ? std::string() : made_by->second);
    if (!options().save_at_start || resumed_) return;
    const std::string path =
        files_.path().format({{"epoch", {static_cast<double>(start_epoch_), true}},
                              {"step", {static_cast<double>(t.get_optimizer().iterations()), true}}});
    if (options().verbose > 0) out_ << "Before training: saving model to " << path << "\n" << std::flush;
    training_state start = t.position();
    start.epochs_done = start_epoch_;
    start.epoch = start_epoch_;
    start.steps_done = 0;
    start.loss_sum = 0.0;
    start.metric_counts.clear();
    save(t, path, start, metric_logs{});
}

void model_checkpoint::resume_from(double best)
{
    best_ = best;
    resumed_ = true;
}

void model_checkpoint::save_now(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    const std::int64_t step = t.get_optimizer().iterations();
    out_ << "\nEpoch " << epoch_ + 1 << ": stopping on a signal at step " << step;
    if (last_saved_iteration_ == step) {
        out_ << ", saved already to " << saved_.back() << "\n" << std::flush;
        return;
    }
    const std::string path = path_for(t, epoch_ + 1, batch, logs, true);
    out_ << ", saving model to " << path << "\n" << std::flush;
    save(t, path, t.position(), logs);
}

void model_checkpoint::on_epoch_begin(trainer&, int epoch) { epoch_ = epoch; }

void model_checkpoint::vote(trainer& t, step_vote& v)
{
    const save_frequency& every = options().every;
    if (every.per != save_frequency::unit::seconds || t.rank() != 0) return;
    v.save_due = steady_seconds() - last_save_time_ >= static_cast<double>(every.count);
}

void model_checkpoint::on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    const save_frequency& every = options().every;
    if (every.per == save_frequency::unit::seconds) {
        const double now = steady_seconds();
        const bool due = t.distributed() ? t.agreed().save_due : now - last_save_time_ >= static_cast<double>(every.count);
        if (!due) return;
        last_save_time_ = now;
        checkpoint_now(t, epoch_ + 1, batch, logs, true);
        return;
    }
    if (every.per != save_frequency::unit::steps) return;
    if (t.get_optimizer().iterations() % every.count != 0) return;
    checkpoint_now(t, epoch_ + 1, batch, logs, true);
}

void model_checkpoint::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    const save_frequency& every = options().every;
    if (every.per != save_frequency::unit::epochs) return;
    if ((epoch + 1) % every.count != 0) return;
    checkpoint_now(t, epoch + 1, -1, logs, false);
}

std::string model_checkpoint::path_for(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs,
                                      bool mid_epoch) const
{
    std::map<std::string, template_value> values;
    values["epoch"] = {static_cast<double>(epochs_done), true};
    values["step"] = {static_cast<double>(t.get_optimizer().iterations()), true};
    if (mid_epoch) values["batch"] = {static_cast<double>(batch + 1), true};
    for (const auto& [name, value] : logs.values) values[name] = {value, false};
    return files_.path().format(values);
}

void model_checkpoint::checkpoint_now(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch)
{
    const checkpoint_options& o = options();
    const std::string path = path_for(t, epochs_done, batch, logs, mid_epoch);
    // Keras starts the line afresh: mid-epoch a progress line is open.
    const std::string prefix = std::string(mid_epoch ? "\n" : "") + "Epoch " + std::to_string(epochs_done) + ": ";
    if (o.save_best_only) {
        const double current = logs.get(o.monitor).value_or(std::nan(""));
        const bool improved = !std::isnan(current) && (larger_is_better_ ? current > best_ : current < best_);
        if (!improved) {
            if (o.verbose > 0) {
                out_ << prefix << o.monitor << " did not improve from " << five_decimals(best_) << "\n" << std::flush;
            }
            return;
        }
        if (o.verbose > 0) {
            out_ << prefix << o.monitor << " improved from " << five_decimals(best_) << " to " << five_decimals(current)
                 << ", saving model to " << path << "\n" << std::flush;
        }
        best_ = current;
    } else if (o.verbose > 0) {
        out_ << prefix << "saving model to " << path << "\n" << std::flush;
    }
    training_state resume_at = t.position();
    resume_at.epochs_done = epochs_done;
    if (!mid_epoch) {  // the finished epoch's end ran: go on with the next one
        resume_at.epoch = epochs_done;
        resume_at.steps_done = 0;
        resume_at.loss_sum = 0.0;
        resume_at.metric_counts.clear();
    }
    save(t, path, resume_at, logs);
}

void model_checkpoint::save(trainer& t, const std::string& path, training_state resume_at, const metric_logs& logs)
{
    checkpoint ckpt = capture_state(t.get_model(), &t.get_optimizer());
    ckpt.metadata[checkpoint_keys::mlrun_version] = MLRUN_VERSION;
    // How the checkpoint was made goes with it, weights only or not.
    if (const auto made_by = metadata_.find(checkpoint_keys::experiment); made_by != metadata_.end()) {
        ckpt.metadata[made_by->first] = made_by->second;
    }
    if (!options().save_weights_only) {
        for (const auto& [key, value] : metadata_) ckpt.metadata[key] = value;
    }
    // Always stored: resume needs it whatever else the checkpoint holds.
    resume_at.seed = run_.seed;
    resume_at.batch_size = run_.batch_size;
    resume_at.shuffle = run_.shuffle;
    resume_at.best = best_;
    resume_at.monitored = logs.get(options().monitor).value_or(std::nan(""));
    if (callbacks_ != nullptr) resume_at.callbacks = format_callback_states(callbacks_->state());
    ckpt.metadata[checkpoint_keys::training_state] = format_training_state(resume_at);
    add_tensor_checksums(ckpt);  // end to end, whatever the format checks itself
    if (!files_.save(path, ckpt)) return;  // on_save_error: warn, and it was said
    saved_.push_back(path);
    last_saved_iteration_ = t.get_optimizer().iterations();
}

std::unique_ptr<model_checkpoint> make_model_checkpoint(const experiment& e, checkpoint_manager& files,
                                                        const training_state& run, int start_epoch, std::ostream& out)
{
    std::vector<std::string> log_names = {"loss"};
    for (const std::string& m : metric_log_names(e.metrics, e.weighted_metrics)) log_names.push_back(m);
    if (e.validates()) {
        const std::size_t logged = log_names.size();
        for (std::size_t i = 0; i < logged; ++i) log_names.push_back("val_" + log_names[i]);
    }
    std::map<std::string, std::string> metadata;
    metadata[checkpoint_keys::loss] = loss_text(e.loss);
    put_metrics_metadata(metadata, e.metrics, e.weighted_metrics);
    metadata[checkpoint_keys::backend] = e.backend;
    metadata[checkpoint_keys::experiment] = YAML::Dump(e.resolved);
    return std::make_unique<model_checkpoint>(files, out, log_names, std::move(metadata), run, start_epoch);
}

}  // namespace mlrun
