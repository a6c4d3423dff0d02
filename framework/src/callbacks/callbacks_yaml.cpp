#include "callbacks/callbacks_yaml.hpp"

#include "mlrun/callbacks/training_duration.hpp"
#include "mlrun/core/error.hpp"

#include <yaml-cpp/yaml.h>

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
    training_duration duration(const std::string& key) const
    {
        return parse_training_duration(get<std::string>(key), where(key));
    }
};

decay_kind parse_decay_kind(const std::string& text)
{
    if (text == "exponential_decay") return decay_kind::exponential;
    if (text == "step_decay") return decay_kind::step;
    if (text == "cosine_decay") return decay_kind::cosine;
    return decay_kind::constant;  // the schema admits no other name
}

learning_rate_schedule_options schedule_options(const section_reader& r)
{
    learning_rate_schedule_options o;
    o.kind = parse_decay_kind(r.get<std::string>("kind"));
    o.initial_learning_rate = r.optional_number("initial_learning_rate");
    const bool decays = o.kind != decay_kind::constant;
    if (decays && !r.has("decay_steps")) {
        throw config_error(r.where() + ": kind " + r.get<std::string>("kind") +
                           " needs decay_steps, e.g. decay_steps: 2 epochs");
    }
    if (r.has("decay_steps")) o.decay_steps = r.duration("decay_steps");
    // Every epoch has at least one step, so only a count of 0 is under one step.
    if (decays && r.has("decay_steps") && o.decay_steps.count < 1) {
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
    o.warmup_steps = r.duration("warmup_steps");
    check_schedule(o, r.where());
    return o;
}

reduce_lr_on_plateau_options plateau_options(const section_reader& r, const std::vector<std::string>& logged)
{
    reduce_lr_on_plateau_options o;
    o.monitor = r.get<std::string>("monitor");
    require_logged(o.monitor, logged, r.where("monitor"));
    o.mode = parse_monitor_mode(r.get<std::string>("mode"), r.where("mode"));
    o.factor = r.get<double>("factor");
    o.patience = r.get<int>("patience");
    o.min_delta = r.get<double>("min_delta");
    o.cooldown = r.get<int>("cooldown");
    o.min_lr = r.get<double>("min_lr");
    return o;
}

early_stopping_options stopping_options(const section_reader& r, const std::vector<std::string>& logged)
{
    early_stopping_options o;
    o.monitor = r.get<std::string>("monitor");
    require_logged(o.monitor, logged, r.where("monitor"));
    o.mode = parse_monitor_mode(r.get<std::string>("mode"), r.where("mode"));
    o.min_delta = r.get<double>("min_delta");
    o.patience = r.get<int>("patience");
    o.baseline = r.optional_number("baseline");
    o.restore_best_weights = r.get<bool>("restore_best_weights");
    o.start_from_epoch = r.get<int>("start_from_epoch");
    return o;
}

csv_logger_options csv_options(const section_reader& r)
{
    csv_logger_options o;
    o.filename = r.get<std::string>("path");
    const std::string separator = r.get<std::string>("separator");
    if (separator.size() != 1 || separator == "\n" || separator == "\"") {
        throw config_error(r.where("separator") + ": expected one character such as ',' or ';', found '" +
                           separator + "'");
    }
    if (o.filename.empty()) throw config_error(r.where("path") + ": expected a file name, found ''");
    o.separator = separator[0];
    o.append = r.get<bool>("append");
    return o;
}

tensorboard_options tensorboard_section(const section_reader& r)
{
    tensorboard_options o;
    o.log_dir = r.get<std::string>("log_dir");
    if (o.log_dir.empty()) throw config_error(r.where("log_dir") + ": expected a directory, found ''");
    return o;
}

}  // namespace

std::vector<std::string> logged_names(const experiment& e, bool with_learning_rate)
{
    return logged_names(metric_log_names(e.metrics, e.weighted_metrics), e.validates(), with_learning_rate);
}

experiment_callback_specs parse_callbacks(const experiment& e, const YAML::Node& all)
{
    auto reader = [&](const std::string& key) { return section_reader{e, all[key], "callbacks." + key}; };
    auto present = [&](const std::string& key) { return all.IsMap() && all[key].IsDefined(); };

    const bool scheduled = present("lr_schedule");
    const bool plateau = present("reduce_lr_on_plateau");
    if (scheduled && plateau) {
        throw config_error(position(e.file, all["reduce_lr_on_plateau"]) +
                           ": callbacks: lr_schedule and reduce_lr_on_plateau both set the learning rate; keep one");
    }
    const std::vector<std::string> logged = logged_names(e, scheduled || plateau);

    experiment_callback_specs parsed;
    auto add = [&](callback_spec spec, const section_reader& r) {
        parsed.specs.push_back(std::move(spec));
        parsed.where.push_back(r.where());
    };
    if (scheduled) add(schedule_options(reader("lr_schedule")), reader("lr_schedule"));
    if (plateau) add(plateau_options(reader("reduce_lr_on_plateau"), logged), reader("reduce_lr_on_plateau"));
    if (present("early_stopping")) add(stopping_options(reader("early_stopping"), logged), reader("early_stopping"));
    if (present("csv_logger")) add(csv_options(reader("csv_logger")), reader("csv_logger"));
    if (present("tensorboard")) add(tensorboard_section(reader("tensorboard")), reader("tensorboard"));
    return parsed;
}

std::unique_ptr<callback_set> make_experiment_callbacks(const experiment& e, std::int64_t steps_per_epoch)
{
    return std::make_unique<callback_set>(e.callbacks, logged_names(e, false), steps_per_epoch, e.callbacks_where);
}

}  // namespace mlrun
