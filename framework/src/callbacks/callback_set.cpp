#include "mlrun/callbacks/callback_set.hpp"

#include "mlrun/core/error.hpp"

namespace mlrun {
namespace {

template <class... Ts> struct overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

std::string callback_key(const callback_spec& spec)
{
    return std::visit(overloaded{
                          [](const learning_rate_schedule_options&) { return "lr_schedule"; },
                          [](const reduce_lr_on_plateau_options&) { return "reduce_lr_on_plateau"; },
                          [](const early_stopping_options&) { return "early_stopping"; },
                          [](const csv_logger_options&) { return "csv_logger"; },
                          [](const tensorboard_options&) { return "tensorboard"; },
                      },
                      spec);
}

bool sets_learning_rate(const callback_spec& spec)
{
    return std::holds_alternative<learning_rate_schedule_options>(spec) ||
           std::holds_alternative<reduce_lr_on_plateau_options>(spec);
}

std::vector<std::string> logged_names(const std::vector<std::string>& metrics, bool with_validation,
                                      bool with_learning_rate)
{
    std::vector<std::string> names = {"loss"};
    names.insert(names.end(), metrics.begin(), metrics.end());
    if (with_validation) {
        const std::size_t train_count = names.size();
        for (std::size_t i = 0; i < train_count; ++i) names.push_back("val_" + names[i]);
    }
    if (with_learning_rate) names.push_back("lr");
    return names;
}

callback_set::callback_set(const std::vector<callback_spec>& specs, const std::vector<std::string>& logged,
                           std::int64_t steps_per_epoch, const std::vector<std::string>& where)
{
    std::string rate_setter;  // the key of the first callback that sets the learning rate
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const std::string key = callback_key(specs[i]);
        const std::string place = i < where.size() ? where[i] : "callbacks." + key;
        if (sets_learning_rate(specs[i])) {
            if (!rate_setter.empty()) {
                throw config_error(place + ": " + rate_setter + " and " + key +
                                   " both set the learning rate; keep one");
            }
            rate_setter = key;
        }
    }
    logs_learning_rate_ = !rate_setter.empty();
    std::vector<std::string> names = logged;
    if (logs_learning_rate_) names.push_back("lr");

    for (std::size_t i = 0; i < specs.size(); ++i) {
        const std::string place = i < where.size() ? where[i] : "callbacks." + callback_key(specs[i]);
        std::visit(overloaded{
                       [&](const learning_rate_schedule_options& o) {
                           owned_.push_back(std::make_unique<learning_rate_scheduler>(o, steps_per_epoch, place));
                       },
                       [&](const reduce_lr_on_plateau_options& o) {
                           require_logged(o.monitor, names, place + ".monitor");
                           owned_.push_back(std::make_unique<reduce_lr_on_plateau>(o, &messages_, place));
                       },
                       [&](const early_stopping_options& o) {
                           require_logged(o.monitor, names, place + ".monitor");
                           owned_.push_back(std::make_unique<early_stopping>(o, &messages_, place));
                       },
                       [&](csv_logger_options o) {
                           o.expected_logs = names;
                           owned_.push_back(std::make_unique<csv_logger>(o));
                       },
                       [&](const tensorboard_options& o) { owned_.push_back(std::make_unique<tensorboard_logger>(o)); },
                   },
                   specs[i]);
    }
}

void callback_set::set_messages(std::ostream* out)
{
    // rdbuf() also clears the error state a write with no buffer left.
    messages_.rdbuf(out != nullptr ? out->rdbuf() : nullptr);
}

std::vector<callback*> callback_set::list_without_file_writers() const
{
    std::vector<callback*> kept;
    for (callback* c : list()) {
        if (dynamic_cast<csv_logger*>(c) == nullptr && dynamic_cast<tensorboard_logger*>(c) == nullptr) kept.push_back(c);
    }
    return kept;
}

std::vector<callback*> callback_set::list() const
{
    std::vector<callback*> all;
    for (const auto& c : owned_) all.push_back(c.get());
    return all;
}

callback_states callback_set::state() const { return collect_callback_state(list()); }

void callback_set::restore(const callback_states& saved, const std::string& source)
{
    restore_callback_state(list(), saved, source);
}

}  // namespace mlrun
