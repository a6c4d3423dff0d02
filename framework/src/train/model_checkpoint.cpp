#include "mlrun/train/model_checkpoint.hpp"

#include "mlrun/callbacks/experiment_callbacks.hpp"
#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/checkpoint/tensor_checksums.hpp"
#include "mlrun/config/experiment.hpp"
#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/directory_lock.hpp"
#include "mlrun/train/previous_checkpoint.hpp"
#include "mlrun/train/resume_state.hpp"
#include "mlrun/train/stale_temporaries.hpp"
#include "mlrun/train/trainer.hpp"
#include "mlrun/version.hpp"

#include <boost/filesystem/operations.hpp>

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

namespace fs = boost::filesystem;

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

double seconds_since_epoch()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
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

checkpoint_policy read_checkpoint_policy(const experiment& e)
{
    const YAML::Node c = e.resolved["checkpoint"];
    checkpoint_policy p;
    p.path = c["path"].as<std::string>();
    p.where = position(e.file, c["path"]) + ": checkpoint.path";
    p.format = c["format"].as<std::string>();
    p.save_weights_only = c["save_weights_only"].as<bool>();
    if (const std::string v = c["keras_version"].as<std::string>(); v != "auto") p.keras_version = v;
    p.every = parse_save_frequency(c["every"].as<std::string>(), position(e.file, c["every"]) + ": checkpoint.every");
    p.save_best_only = c["save_best_only"].as<bool>();
    p.monitor = c["monitor"].as<std::string>();
    p.mode = c["mode"].as<std::string>();
    p.verbose = c["verbose"].as<int>();
    p.keep_last = c["keep_last"].as<int>();
    p.save_at_start = c["save_at_start"].as<bool>();
    p.start_epoch = e.initial_epoch;
    p.warn_on_save_error = c["on_save_error"].as<std::string>() == "warn";
    p.seed = e.seed;
    p.batch_size = e.batch_size;
    p.shuffle = e.shuffle;
    if (p.keep_last < 0) {
        throw config_error(position(e.file, c["keep_last"]) + ": checkpoint.keep_last: expected 0 (keep all) or more, found " +
                           std::to_string(p.keep_last));
    }
    return p;
}

model_checkpoint::model_checkpoint(checkpoint_policy policy, const plugin_record& format_plugin, std::ostream& out,
                                   const std::vector<std::string>& log_names, std::map<std::string, std::string> metadata)
    : policy_(std::move(policy)),
      format_(format_plugin),
      template_(policy_.path, policy_.where),
      out_(out),
      metadata_(std::move(metadata))
{
    const bool by_steps = policy_.every.per != save_frequency::unit::epochs;  // saves mid-epoch
    auto logged_mid_epoch = [&](const std::string& name) { return !by_steps || name.rfind("val_", 0) != 0; };
    std::vector<std::string> fields = {"epoch", "step"};
    if (by_steps) fields.push_back("batch");
    for (const std::string& name : log_names) {
        if (logged_mid_epoch(name)) fields.push_back(name);
    }
    for (const std::string& field : template_.fields()) {
        if (contains(fields, field)) continue;
        if (contains(log_names, field)) {
            throw config_error(policy_.where + ": {" + field + "} is only logged at the end of an epoch, but checkpoint.every is '" +
                               to_string(policy_.every) + "'; use a frequency in epochs or one of: " + joined(fields));
        }
        throw config_error(policy_.where + ": '" + policy_.path + "': unknown field {" + field + "}; available: " + joined(fields) +
                           (field == "batch" ? " ({batch} needs checkpoint.every in steps)" : ""));
    }
    if (policy_.save_at_start) {
        for (const std::string& field : template_.fields()) {
            if (field != "epoch" && field != "step") {
                throw config_error(policy_.where + ": checkpoint.save_at_start saves before anything is logged, so the path can use {epoch} and {step} only, not {" +
                                   field + "}");
            }
        }
    }
    if (policy_.save_best_only && !(contains(log_names, policy_.monitor) && logged_mid_epoch(policy_.monitor))) {
        throw config_error(policy_.where + ": checkpoint.monitor '" + policy_.monitor + "' is not logged" +
                           (by_steps ? " after every step" : "") + "; logged: " + joined(fields) +
                           (policy_.monitor.rfind("val_", 0) == 0 ? " (val_ metrics need fit.validation: test)" : ""));
    }
    const bool accuracy_like = policy_.monitor.find("acc") != std::string::npos || policy_.monitor.rfind("fmeasure", 0) == 0;
    larger_is_better_ = policy_.mode == "max" || (policy_.mode == "auto" && accuracy_like);
    best_ = larger_is_better_ ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    // Before resume reads the directory and before anything is written to it.
    lock_ = std::make_unique<directory_lock>(checkpoint_directory());
}

model_checkpoint::~model_checkpoint() = default;

void model_checkpoint::on_train_begin(trainer& t)
{
    saved_.clear();
    epoch_ = policy_.start_epoch;
    last_save_time_ = steady_seconds();
    try {
        write_experiment_record();
    } catch (const io_error& e) {
        if (!policy_.warn_on_save_error) throw;
        warn_of_failure("writing " + (fs::path(checkpoint_directory()) / "experiment.yaml").string(), e);
    }
    if (const int removed = remove_stale_temporaries(checkpoint_directory()); removed > 0) {
        out_ << "Removed " << removed << " temporary file(s) of a save that was killed\n";
    }
    if (!policy_.save_at_start || resumed_) return;
    const std::string path =
        template_.format({{"epoch", {static_cast<double>(policy_.start_epoch), true}},
                          {"step", {static_cast<double>(t.get_optimizer().iterations()), true}}});
    if (policy_.verbose > 0) out_ << "Before training: saving model to " << path << "\n" << std::flush;
    fit_position start;
    start.epoch = policy_.start_epoch;
    save(t, path, policy_.start_epoch, start);
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
    save(t, path, epoch_ + 1, t.position());
}

void model_checkpoint::on_epoch_begin(trainer&, int epoch) { epoch_ = epoch; }

void model_checkpoint::on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    if (policy_.every.per == save_frequency::unit::seconds) {
        const double now = steady_seconds();
        if (now - last_save_time_ < static_cast<double>(policy_.every.count)) return;
        last_save_time_ = now;
        checkpoint_now(t, epoch_ + 1, batch, logs, true);
        return;
    }
    if (policy_.every.per != save_frequency::unit::steps) return;
    if (t.get_optimizer().iterations() % policy_.every.count != 0) return;
    checkpoint_now(t, epoch_ + 1, batch, logs, true);
}

void model_checkpoint::on_epoch_end(trainer& t, int epoch, const metric_logs& logs)
{
    if (policy_.every.per != save_frequency::unit::epochs) return;
    if ((epoch + 1) % policy_.every.count != 0) return;
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
    return template_.format(values);
}

void model_checkpoint::checkpoint_now(trainer& t, int epochs_done, std::int64_t batch, const metric_logs& logs, bool mid_epoch)
{
    const std::string path = path_for(t, epochs_done, batch, logs, mid_epoch);
    // Keras starts the line afresh: mid-epoch a progress line is open.
    const std::string prefix = std::string(mid_epoch ? "\n" : "") + "Epoch " + std::to_string(epochs_done) + ": ";
    if (policy_.save_best_only) {
        const double current = logs.get(policy_.monitor).value_or(std::nan(""));
        const bool improved = !std::isnan(current) && (larger_is_better_ ? current > best_ : current < best_);
        if (!improved) {
            if (policy_.verbose > 0) {
                out_ << prefix << policy_.monitor << " did not improve from " << five_decimals(best_) << "\n" << std::flush;
            }
            return;
        }
        if (policy_.verbose > 0) {
            out_ << prefix << policy_.monitor << " improved from " << five_decimals(best_) << " to " << five_decimals(current)
                 << ", saving model to " << path << "\n" << std::flush;
        }
        best_ = current;
    } else if (policy_.verbose > 0) {
        out_ << prefix << "saving model to " << path << "\n" << std::flush;
    }
    fit_position resume_at;
    if (mid_epoch) {
        resume_at = t.position();
    } else {
        resume_at.epoch = epochs_done;  // the finished epoch's end ran: go on with the next one
    }
    save(t, path, epochs_done, resume_at);
}

void model_checkpoint::save(trainer& t, const std::string& path, int epochs_done, const fit_position& resume_at)
{
    checkpoint ckpt = capture_state(t.get_model(), &t.get_optimizer());
    ckpt.metadata[checkpoint_keys::mlrun_version] = MLRUN_VERSION;
    // How the checkpoint was made goes with it, weights only or not.
    if (const auto made_by = metadata_.find(checkpoint_keys::experiment); made_by != metadata_.end()) {
        ckpt.metadata[made_by->first] = made_by->second;
    }
    if (!policy_.save_weights_only) {
        for (const auto& [key, value] : metadata_) ckpt.metadata[key] = value;
    }
    // Always stored: resume needs it whatever else the checkpoint holds.
    resume_state state;
    state.position = resume_at;
    state.learning_rate = t.get_optimizer().learning_rate();
    state.best = best_;
    if (callbacks_ != nullptr) state.callbacks = callbacks_->state();
    ckpt.metadata[checkpoint_keys::training_state] =
        format_training_state(state, epochs_done, t.get_optimizer().iterations(), policy_.seed, policy_.batch_size,
                              policy_.shuffle);
    add_tensor_checksums(ckpt);  // end to end, whatever the format checks itself
    const fs::path target(path);
    if (target.has_parent_path()) {
        boost::system::error_code ignored;  // a directory that cannot be made: the save says why
        fs::create_directories(target.parent_path(), ignored);
    }
    warn_if_short_of_space(path, ckpt);
    try {
        save_and_name(path, ckpt);
    } catch (const io_error& e) {
        if (!policy_.warn_on_save_error) throw;
        warn_of_failure("saving " + path, e);
        return;
    }
    saved_.push_back(path);
    last_saved_iteration_ = t.get_optimizer().iterations();
}

void model_checkpoint::warn_of_failure(const std::string& what, const io_error& e) const
{
    out_ << "warning: " << what << " failed, training goes on (checkpoint.on_save_error: warn): " << e.what() << "\n"
         << std::flush;
}

namespace {

format_options format_options_for(const checkpoint_policy& policy)
{
    if (policy.keras_version.empty()) return {};
    return {{"keras_version", policy.keras_version}};
}

}  // namespace

void model_checkpoint::save_and_name(const std::string& path, const checkpoint& ckpt)
{
    const bool prefix_named = format_.suffixes().empty();
    if (!prefix_named) {  // one file, renamed into place at once
        format_.save(path, ckpt, format_options_for(policy_));
        update_state_file(path);
        return;
    }
    const fs::path saved(path);
    previous_checkpoint previous(saved.has_parent_path() ? saved.parent_path().string() : ".", path);
    try {
        format_.save(path, ckpt, format_options_for(policy_));
    } catch (const io_error&) {
        previous.restore();
        throw;
    }
    update_state_file(path, previous.kept_name());
    previous.release();
}

void model_checkpoint::warn_if_short_of_space(const std::string& path, const checkpoint& ckpt) const
{
    std::uint64_t needed = 4096;  // the index or HDF5 structure, and the state file
    for (const auto& [name, value] : ckpt.tensors) needed += value.byte_size() + name.size() + 64;
    for (const auto& [key, value] : ckpt.metadata) needed += key.size() + value.size() + 64;
    const fs::path target(path);
    const std::string directory = target.has_parent_path() ? target.parent_path().string() : ".";
    struct statvfs info {};
    if (::statvfs(directory.c_str(), &info) != 0) return;  // a missing directory: the save says why
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
    if (free_bytes < needed) {
        out_ << "warning: checkpoint " << path << " needs about " << needed << " bytes but " << directory << " has "
             << free_bytes << " free; the save will likely fail\n" << std::flush;
    }
}

std::string model_checkpoint::checkpoint_directory() const
{
    // The directory part of the path template up to its first {field}.
    fs::path directory = fs::path(policy_.path).parent_path();
    while (directory.string().find('{') != std::string::npos) directory = directory.parent_path();
    return directory.empty() ? "." : directory.string();
}

void model_checkpoint::write_experiment_record() const
{
    const auto made_by = metadata_.find(checkpoint_keys::experiment);
    if (made_by == metadata_.end()) return;
    const std::string directory = checkpoint_directory();
    boost::system::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) return;  // the first save reports why the directory cannot be made
    write_file_atomically((fs::path(directory) / "experiment.yaml").string(),
                          "# The resolved experiment of the run that saved the checkpoints in this directory.\n" +
                              made_by->second + "\n");
}

void model_checkpoint::update_state_file(const std::string& path, const std::string& forget)
{
    const fs::path saved(path);
    const std::string directory = saved.has_parent_path() ? saved.parent_path().string() : ".";
    const std::string name = saved.filename().string();
    std::optional<checkpoint_state> old;
    try {
        old = read_checkpoint_state(directory);
    } catch (const io_error& e) {
        out_ << "warning: " << e.what() << "; writing a new state file\n";
    }
    const double now = seconds_since_epoch();
    checkpoint_state state;
    state.model_checkpoint_path = name;
    state.last_preserved_timestamp = old && old->last_preserved_timestamp ? *old->last_preserved_timestamp : now;
    if (old) {
        for (std::size_t i = 0; i < old->all_model_checkpoint_paths.size(); ++i) {
            const std::string& p = old->all_model_checkpoint_paths[i];
            if (p == name) continue;  // saved again under the same name: it becomes the newest
            if (p == forget) continue;  // the old files' second name, going now
            state.all_model_checkpoint_paths.push_back(p);
            state.all_model_checkpoint_timestamps.push_back(
                i < old->all_model_checkpoint_timestamps.size() ? old->all_model_checkpoint_timestamps[i] : now);
        }
    }
    state.all_model_checkpoint_paths.push_back(name);
    state.all_model_checkpoint_timestamps.push_back(now);
    std::vector<std::string> removed;
    const auto keep = static_cast<std::size_t>(policy_.keep_last);
    if (keep > 0 && state.all_model_checkpoint_paths.size() > keep) {
        const auto drop = static_cast<long>(state.all_model_checkpoint_paths.size() - keep);
        removed.assign(state.all_model_checkpoint_paths.begin(), state.all_model_checkpoint_paths.begin() + drop);
        state.all_model_checkpoint_paths.erase(state.all_model_checkpoint_paths.begin(), state.all_model_checkpoint_paths.begin() + drop);
        state.all_model_checkpoint_timestamps.erase(state.all_model_checkpoint_timestamps.begin(),
                                                    state.all_model_checkpoint_timestamps.begin() + drop);
    }
    // The state file stops naming a checkpoint before its files go.
    write_checkpoint_state(directory, state);
    for (const std::string& r : removed) {
        if (contains(state.all_model_checkpoint_paths, r)) continue;
        if (template_.makes_file_name(r)) {
            remove_checkpoint(directory, r);
        } else {  // dropped from the state file once, so warned about once
            out_ << "warning: not deleting '" << r << "' named in " << (fs::path(directory) / checkpoint_state_file).string()
                 << ": retention deletes only names checkpoint.path '" << policy_.path << "' makes in " << directory << "\n";
        }
    }
}

void model_checkpoint::remove_checkpoint(const std::string& directory, const std::string& name) const
{
    const fs::path target(resolve_checkpoint_path(directory, name));
    boost::system::error_code ec;
    for (const fs::path& f : checkpoint_files(target, format_.suffixes().empty())) {
        fs::remove(f, ec);
        if (ec) out_ << "warning: cannot delete old checkpoint file " << f.string() << ": " << ec.message() << "\n";
    }
}

std::unique_ptr<model_checkpoint> make_model_checkpoint(const experiment& e, const plugin_registry& plugins, std::ostream& out)
{
    const checkpoint_policy policy = read_checkpoint_policy(e);
    if (policy.path.empty()) return nullptr;
    const plugin_record& plugin = choose_format(plugins, policy.format == "auto" ? "" : policy.format, policy.path,
                                                position(e.file, e.resolved["checkpoint"]["format"]) + ": checkpoint.format");
    std::vector<std::string> log_names = {"loss"};
    for (const std::string& m : e.metrics) log_names.push_back(m);
    if (e.validate_on_test) {
        const std::size_t logged = log_names.size();
        for (std::size_t i = 0; i < logged; ++i) log_names.push_back("val_" + log_names[i]);
    }
    std::map<std::string, std::string> metadata;
    metadata[checkpoint_keys::loss] = e.loss;
    metadata[checkpoint_keys::metrics] = YAML::Dump(e.resolved["compile"]["metrics"]);
    metadata[checkpoint_keys::backend] = e.backend;
    metadata[checkpoint_keys::experiment] = YAML::Dump(e.resolved);
    return std::make_unique<model_checkpoint>(policy, plugin, out, log_names, std::move(metadata));
}

}  // namespace mlrun
