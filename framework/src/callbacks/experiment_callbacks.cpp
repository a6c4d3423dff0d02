#include "mlrun/callbacks/experiment_callbacks.hpp"

#include "mlrun/callbacks/csv_logger.hpp"
#include "mlrun/callbacks/early_stopping.hpp"
#include "mlrun/callbacks/learning_rate_schedule.hpp"
#include "mlrun/callbacks/reduce_lr_on_plateau.hpp"
#include "mlrun/callbacks/tensorboard_logger.hpp"
#include "mlrun/callbacks/training_duration.hpp"
#include "mlrun/core/error.hpp"

namespace mlrun {
namespace {

// Reads a resolved section's keys, with positions for the messages.
struct section_reader {
    const experiment& e;
    YAML::Node node;
    std::string name;  // "callbacks.early_stopping"

    std::string where() const { return position(e.file, node) + ": " + name; }
    std::string where(const std::string& key) const { return position(e.file, node[key]) + ": " + name + "." + key; }
    bool has(const std::string& key) const { return node[key].IsDefined() && !node[key].IsNull(); }
    template <class T> T get(const std::string& key) const { return node[key].as<T>(); }
    std::optional<double> optional_number(const std::string& key) const
    {
        return has(key) ? std::optional<double>(get<double>(key)) : std::nullopt;
    }
    std::int64_t steps(const std::string& key, std::int64_t steps_per_epoch) const
    {
        return parse_training_duration(get<std::string>(key), where(key)).to_steps(steps_per_epoch);
    }
};

decay_kind parse_decay_kind(const std::string& text)
{
    if (text == "exponential_decay") return decay_kind::exponential;
    if (text == "step_decay") return decay_kind::step;
    if (text == "cosine_decay") return decay_kind::cosine;
    return decay_kind::constant;  // the schema admits no other name
}

learning_rate_schedule_options schedule_options(const section_reader& r, std::int64_t steps_per_epoch)
{
    learning_rate_schedule_options o;
    o.kind = parse_decay_kind(r.get<std::string>("kind"));
    o.initial_learning_rate = r.optional_number("initial_learning_rate");
    const bool decays = o.kind != decay_kind::constant;
    if (decays && !r.has("decay_steps")) {
        throw config_error(r.where() + ": kind " + r.get<std::string>("kind") +
                           " needs decay_steps, e.g. decay_steps: 2 epochs");
    }
    if (r.has("decay_steps")) o.decay_steps = r.steps("decay_steps", steps_per_epoch);
    if (decays && r.has("decay_steps") && o.decay_steps < 1) {
        throw config_error(r.where("decay_steps") + ": expected at least one step, found '" +
                           r.get<std::string>("decay_steps") + "'");
    }
    const bool uses_rate = o.kind == decay_kind::exponential || o.kind == decay_kind::step;
    if (uses_rate && !r.has("decay_rate")) {
        throw config_error(r.where() + ": kind " + r.get<std::string>("kind") +
                           " needs decay_rate, the factor per decay_steps, e.g. decay_rate: 0.5");
    }
    if (r.has("decay_rate")) o.decay_rate = r.get<double>("decay_rate");
    o.staircase = r.get<bool>("staircase");
    o.alpha = r.get<double>("alpha");
    o.warmup_target = r.optional_number("warmup_target");
    o.warmup_steps = r.steps("warmup_steps", steps_per_epoch);
    check_schedule(o, r.where());
    return o;
}

}  // namespace

std::vector<std::string> logged_names(const experiment& e, bool with_learning_rate)
{
    std::vector<std::string> names = {"loss"};
    names.insert(names.end(), e.metrics.begin(), e.metrics.end());
    if (e.validate_on_test) {
        const std::size_t train_count = names.size();
        for (std::size_t i = 0; i < train_count; ++i) names.push_back("val_" + names[i]);
    }
    if (with_learning_rate) names.push_back("lr");
    return names;
}

experiment_callbacks::experiment_callbacks(const experiment& e, std::int64_t steps_per_epoch)
{
    const YAML::Node all = e.resolved["callbacks"];
    auto reader = [&](const std::string& key) { return section_reader{e, all[key], "callbacks." + key}; };
    auto present = [&](const std::string& key) { return all.IsMap() && all[key].IsDefined(); };

    const bool scheduled = present("lr_schedule");
    const bool plateau = present("reduce_lr_on_plateau");
    if (scheduled && plateau) {
        throw config_error(position(e.file, all["reduce_lr_on_plateau"]) +
                           ": callbacks: lr_schedule and reduce_lr_on_plateau both set the learning rate; keep one");
    }
    logs_learning_rate_ = scheduled || plateau;
    const std::vector<std::string> logged = logged_names(e, logs_learning_rate_);

    if (scheduled) {
        const section_reader r = reader("lr_schedule");
        owned_.push_back(std::make_unique<learning_rate_scheduler>(schedule_options(r, steps_per_epoch), r.where()));
    }
    if (plateau) {
        const section_reader r = reader("reduce_lr_on_plateau");
        reduce_lr_on_plateau_options o;
        o.monitor = r.get<std::string>("monitor");
        require_logged(o.monitor, logged, r.where("monitor"));
        o.mode = parse_monitor_mode(r.get<std::string>("mode"), r.where("mode"));
        o.factor = r.get<double>("factor");
        o.patience = r.get<int>("patience");
        o.min_delta = r.get<double>("min_delta");
        o.cooldown = r.get<int>("cooldown");
        o.min_lr = r.get<double>("min_lr");
        owned_.push_back(std::make_unique<reduce_lr_on_plateau>(o, &messages_, r.where()));
    }
    if (present("early_stopping")) {
        const section_reader r = reader("early_stopping");
        early_stopping_options o;
        o.monitor = r.get<std::string>("monitor");
        require_logged(o.monitor, logged, r.where("monitor"));
        o.mode = parse_monitor_mode(r.get<std::string>("mode"), r.where("mode"));
        o.min_delta = r.get<double>("min_delta");
        o.patience = r.get<int>("patience");
        o.baseline = r.optional_number("baseline");
        o.restore_best_weights = r.get<bool>("restore_best_weights");
        o.start_from_epoch = r.get<int>("start_from_epoch");
        owned_.push_back(std::make_unique<early_stopping>(o, &messages_, r.where()));
    }
    if (present("csv_logger")) {
        const section_reader r = reader("csv_logger");
        csv_logger_options o;
        o.path = r.get<std::string>("path");
        const std::string separator = r.get<std::string>("separator");
        if (separator.size() != 1 || separator == "\n" || separator == "\"") {
            throw config_error(r.where("separator") + ": expected one character such as ',' or ';', found '" +
                               separator + "'");
        }
        if (o.path.empty()) throw config_error(r.where("path") + ": expected a file name, found ''");
        o.separator = separator[0];
        o.append = r.get<bool>("append");
        o.expected_logs = logged;
        owned_.push_back(std::make_unique<csv_logger>(o));
    }
    if (present("tensorboard")) {
        const section_reader r = reader("tensorboard");
        tensorboard_options o;
        o.log_dir = r.get<std::string>("log_dir");
        if (o.log_dir.empty()) throw config_error(r.where("log_dir") + ": expected a directory, found ''");
        owned_.push_back(std::make_unique<tensorboard_logger>(o));
    }
}

void experiment_callbacks::set_messages(std::ostream* out)
{
    // rdbuf() also clears the error state a write with no buffer left.
    messages_.rdbuf(out != nullptr ? out->rdbuf() : nullptr);
}

std::vector<callback*> experiment_callbacks::list() const
{
    std::vector<callback*> all;
    for (const auto& c : owned_) all.push_back(c.get());
    return all;
}

YAML::Node experiment_callbacks::state() const { return collect_callback_state(list()); }

void experiment_callbacks::restore(const YAML::Node& saved, const std::string& source)
{
    restore_callback_state(list(), saved, source);
}

}  // namespace mlrun
