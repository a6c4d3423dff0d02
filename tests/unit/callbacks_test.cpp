// The training callbacks on scripted inputs: EarlyStopping and
// ReduceLROnPlateau fed made-up metric sequences (each expected outcome is
// worked out by hand in the comment above the case), schedules against
// rates computed by hand, state that survives a restart, and the
// configuration errors of the `callbacks` section.
#define BOOST_TEST_MODULE callbacks
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/callbacks/early_stopping.hpp"
#include "callbacks/callback_state_yaml.hpp"
#include "callbacks/callbacks_yaml.hpp"
#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/callbacks/learning_rate_schedule.hpp"
#include "mlrun/callbacks/reduce_lr_on_plateau.hpp"
#include "mlrun/callbacks/training_duration.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/train/trainer.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <sstream>

using namespace mlrun;

namespace {

// A real trainer on a one-layer model: callbacks act on its optimizer and
// weights exactly as they would in a full run.
struct tiny_training {
    std::unique_ptr<model> net = testing::model_of({keras::dense(2)}, {3});
    backend be;
    trainer fitter{*net, be, loss_function(loss_kind::mean_squared_error),
                   make_optimizer(sgd_options{1.0f, 0.0f, false, {}}), {}};

    // 8 samples of 3 inputs and 2 targets: 4 steps per epoch at batch 2.
    dataset data() const
    {
        dataset d;
        d.name = "tiny";
        rng gen(3);
        d.x = testing::random_tensor({8, 3}, gen);
        d.y = testing::random_tensor({8, 2}, gen);
        return d;
    }
};

metric_logs logs_with(const std::string& name, double value)
{
    metric_logs logs;
    logs.set("loss", 1.0);
    logs.set(name, value);
    return logs;
}

// Feeds `values` of `monitor` epoch by epoch until the callback stops
// training; returns the 0-based epoch it stopped at, or -1.
int stopping_epoch(early_stopping& es, tiny_training& t, const std::string& monitor, const std::vector<double>& values)
{
    es.on_train_begin(t.fitter);
    for (std::size_t e = 0; e < values.size(); ++e) {
        es.on_epoch_end(t.fitter, static_cast<int>(e), logs_with(monitor, values[e]));
        if (es.stopped_epoch() >= 0) return es.stopped_epoch();
    }
    return -1;
}

early_stopping_options stop_on(const std::string& monitor, int patience)
{
    early_stopping_options o;
    o.monitor = monitor;
    o.patience = patience;
    return o;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(early_stopping_on_scripted_metrics)

// Best 0.8 at epoch 1; epochs 2 and 3 do not beat it, so the wait reaches
// patience 2 at epoch 3.
BOOST_AUTO_TEST_CASE(stops_after_patience_epochs_without_improvement)
{
    tiny_training t;
    std::ostringstream messages;
    early_stopping es(stop_on("val_loss", 2), &messages);
    BOOST_TEST(stopping_epoch(es, t, "val_loss", {1.0, 0.8, 0.85, 0.82, 0.7, 0.6}) == 3);
    BOOST_TEST(es.best() == 0.8);
    BOOST_TEST(es.best_epoch() == 1);
    es.on_train_end(t.fitter, {});
    BOOST_TEST(contains(messages.str(), "Epoch 4: early stopping: val_loss did not improve on its best 0.8 (epoch 2)"),
               messages.str());
}

// val_accuracy is maximised (mode auto). With min_delta 0.02, 0.605 and
// 0.61 are not improvements on 0.6, so the stop comes at epoch 3.
BOOST_AUTO_TEST_CASE(auto_mode_maximises_accuracy_and_min_delta_filters_small_gains)
{
    tiny_training t;
    early_stopping_options o = stop_on("val_accuracy", 2);
    o.min_delta = -0.02;  // Keras takes its absolute value
    early_stopping es(o, nullptr);
    BOOST_TEST(stopping_epoch(es, t, "val_accuracy", {0.5, 0.6, 0.605, 0.61, 0.62}) == 3);
    BOOST_TEST(es.best() == 0.6);
}

// Every epoch to 2 improves on the best but not on the baseline 0.5, so the
// wait keeps growing (1, 2, 3); epoch 3 does not improve and has waited
// 4 >= 3 epochs: stop, and say the baseline was never beaten.
BOOST_AUTO_TEST_CASE(baseline_not_beaten_stops_training)
{
    tiny_training t;
    early_stopping_options o = stop_on("val_loss", 3);
    o.baseline = 0.5;
    early_stopping es(o, nullptr);
    BOOST_TEST(stopping_epoch(es, t, "val_loss", {0.9, 0.8, 0.7, 0.75, 0.6}) == 3);
    BOOST_TEST(contains(es.reason(), "did not beat the baseline 0.5"), es.reason());
}

// The same sequence with a baseline it beats at epoch 1 behaves as without one.
BOOST_AUTO_TEST_CASE(baseline_beaten_resets_the_wait)
{
    tiny_training t;
    early_stopping_options o = stop_on("val_loss", 3);
    o.baseline = 0.85;
    early_stopping es(o, nullptr);
    BOOST_TEST(stopping_epoch(es, t, "val_loss", {0.9, 0.8, 0.7, 0.75, 0.74, 0.73, 0.6}) == 5);
}

// Epochs 0-2 are warm-up and ignored although they are better; from epoch
// 3 the value only grows, so with patience 1 the stop is at epoch 4.
BOOST_AUTO_TEST_CASE(start_from_epoch_ignores_the_warm_up)
{
    tiny_training t;
    early_stopping_options o = stop_on("loss", 1);
    o.start_from_epoch = 3;
    early_stopping es(o, nullptr);
    BOOST_TEST(stopping_epoch(es, t, "loss", {0.1, 0.2, 0.3, 4.0, 5.0, 6.0}) == 4);
    BOOST_TEST(es.best_epoch() == 3);
}

// Keras never stops on the first epoch, even with patience 0.
BOOST_AUTO_TEST_CASE(patience_zero_stops_at_the_first_epoch_without_improvement)
{
    tiny_training t;
    early_stopping es(stop_on("loss", 0), nullptr);
    BOOST_TEST(stopping_epoch(es, t, "loss", {1.0, 1.0, 0.5}) == 1);
}

BOOST_AUTO_TEST_CASE(restore_best_weights_puts_back_the_best_epochs_weights)
{
    tiny_training t;
    early_stopping_options o = stop_on("val_loss", 2);
    o.restore_best_weights = true;
    std::ostringstream messages;
    early_stopping es(o, &messages);
    es.on_train_begin(t.fitter);
    const std::vector<double> losses = {0.9, 0.4, 0.5, 0.6};
    parameter& kernel = *t.net->parameters()[0];
    for (std::size_t e = 0; e < losses.size(); ++e) {
        // Mark the weights with the epoch, as if training had moved them.
        for (std::int64_t i = 0; i < kernel.value.size(); ++i) kernel.value.f32()[i] = static_cast<float>(e);
        es.on_epoch_end(t.fitter, static_cast<int>(e), logs_with("val_loss", losses[e]));
    }
    BOOST_TEST(es.stopped_epoch() == 3);
    es.on_train_end(t.fitter, {});
    BOOST_TEST(kernel.value.f32()[0] == 1.0f);  // epoch 1 had the best loss
    BOOST_TEST(contains(messages.str(), "Restoring model weights from the end of the best epoch: 2."), messages.str());
}

// Interrupting after epoch 2 and restoring the state into a fresh callback
// stops at the same epoch as a run that never stopped.
BOOST_AUTO_TEST_CASE(state_survives_a_restart)
{
    const std::vector<double> losses = {1.0, 0.8, 0.85, 0.82, 0.9};
    tiny_training t;
    early_stopping whole(stop_on("val_loss", 3), nullptr);
    BOOST_TEST(stopping_epoch(whole, t, "val_loss", losses) == 4);

    early_stopping first(stop_on("val_loss", 3), nullptr);
    first.on_train_begin(t.fitter);
    for (int e = 0; e < 3; ++e) first.on_epoch_end(t.fitter, e, logs_with("val_loss", losses[e]));
    // Through YAML text, as the checkpoint stores it.
    const callback_states saved = parse_callback_states(format_callback_states(collect_callback_state({&first})), "cp.ckpt");
    BOOST_TEST(saved.at("early_stopping").at("wait") == 1);

    early_stopping second(stop_on("val_loss", 3), nullptr);
    restore_callback_state({&second}, saved, "cp.ckpt");
    second.on_train_begin(t.fitter);  // must not wipe the restored state
    int stopped = -1;
    for (int e = 3; e < 5 && stopped < 0; ++e) {
        second.on_epoch_end(t.fitter, e, logs_with("val_loss", losses[static_cast<std::size_t>(e)]));
        stopped = second.stopped_epoch();
    }
    BOOST_TEST(stopped == 4);
    BOOST_TEST(second.best() == 0.8);
}

BOOST_AUTO_TEST_CASE(a_fresh_state_saves_infinity_and_reads_it_back)
{
    early_stopping es(stop_on("val_loss", 1), nullptr);
    const callback_states saved = parse_callback_states(format_callback_states({{"early_stopping", es.state()}}), "cp.ckpt");
    early_stopping other(stop_on("val_loss", 1), nullptr);
    other.restore(saved.at("early_stopping"), "cp.ckpt");
    BOOST_TEST(std::isinf(other.best()));
    BOOST_TEST(other.best() > 0);
}

BOOST_AUTO_TEST_CASE(a_broken_state_names_the_key)
{
    try {
        parse_callback_states("early_stopping: {best: 0.5, best_epoch: 1, wait: many}", "cp.ckpt");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "cp.ckpt: callbacks.early_stopping.wait: expected a number, found 'many'"),
                   e.what());
    }
    early_stopping es(stop_on("val_loss", 1), nullptr);
    try {
        es.restore({{"best", 0.5}, {"best_epoch", 1.5}, {"wait", 0}}, "cp.ckpt");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "cp.ckpt: callbacks.early_stopping.best_epoch: expected a whole number, found 1.5"),
                   e.what());
    }
    try {
        es.restore({{"best", 0.5}, {"wait", 0}}, "cp.ckpt");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "cp.ckpt: callbacks.early_stopping.best_epoch: missing from the saved state"),
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(a_monitor_missing_from_the_logs_is_an_error_not_a_silent_no_op)
{
    tiny_training t;
    early_stopping es(stop_on("val_loss", 1), nullptr);
    es.on_train_begin(t.fitter);
    BOOST_CHECK_THROW(es.on_epoch_end(t.fitter, 0, logs_with("accuracy", 0.5)), config_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reduce_lr_on_plateau_on_scripted_metrics)

// lr 1.0, factor 0.5, patience 1, cooldown 2, min_lr 0.2, loss flat at 1.0.
// Epoch 0 sets the best. Epoch 1: wait 1 -> 0.5, cooldown 2. Epoch 2:
// cooldown 2 -> 1, nothing. Epoch 3: cooldown 1 -> 0, so it counts again:
// wait 1 -> 0.25. Epoch 4: cooldown. Epoch 5: -> max(0.125, 0.2) = 0.2.
// Epochs 7, 8: the rate is at min_lr and stays.
BOOST_AUTO_TEST_CASE(cooldown_and_min_lr)
{
    tiny_training t;
    reduce_lr_on_plateau_options o;
    o.monitor = "val_loss";
    o.factor = 0.5;
    o.patience = 1;
    o.cooldown = 2;
    o.min_lr = 0.2;
    std::ostringstream messages;
    reduce_lr_on_plateau plateau(o, &messages);
    plateau.on_train_begin(t.fitter);
    std::vector<double> rates;
    for (int e = 0; e < 9; ++e) {
        plateau.on_epoch_begin(t.fitter, e);
        plateau.on_epoch_end(t.fitter, e, logs_with("val_loss", 1.0));
        rates.push_back(t.fitter.get_optimizer().learning_rate());
    }
    const std::vector<double> expected = {1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2};
    BOOST_TEST(rates.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        // float32 holds these rates to 1e-7.
        BOOST_TEST(rates[i] == expected[i], boost::test_tools::tolerance(1e-6) << "epoch " << i);
    }
    BOOST_TEST(contains(messages.str(), "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.5"), messages.str());
}

// Gains smaller than min_delta (1e-4 by default) are plateaus too: 1.0,
// 0.99995, 0.9999 never improve on 1.0 by more than 1e-4, so patience 2 is
// reached at epoch 2.
BOOST_AUTO_TEST_CASE(changes_within_min_delta_are_a_plateau)
{
    tiny_training t;
    reduce_lr_on_plateau_options o;
    o.monitor = "loss";
    o.patience = 2;
    reduce_lr_on_plateau plateau(o, nullptr);
    plateau.on_train_begin(t.fitter);
    const std::vector<double> losses = {1.0, 0.99995, 0.99991, 0.5};
    std::vector<double> rates;
    for (std::size_t e = 0; e < losses.size(); ++e) {
        metric_logs logs;
        logs.set("loss", losses[e]);
        plateau.on_epoch_end(t.fitter, static_cast<int>(e), logs);
        rates.push_back(t.fitter.get_optimizer().learning_rate());
    }
    BOOST_TEST(rates[1] == 1.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(rates[2] == 0.1, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(rates[3] == 0.1, boost::test_tools::tolerance(1e-6));  // 0.5 improves: no further cut
}

BOOST_AUTO_TEST_CASE(restored_learning_rate_reaches_the_optimizer)
{
    tiny_training t;
    reduce_lr_on_plateau_options o;
    o.monitor = "loss";
    reduce_lr_on_plateau plateau(o, nullptr);
    plateau.restore({{"best", 0.3}, {"wait", 4}, {"cooldown_counter", 1}, {"learning_rate", 0.01}}, "cp.ckpt");
    plateau.on_train_begin(t.fitter);
    plateau.on_epoch_begin(t.fitter, 5);
    BOOST_TEST(t.fitter.get_optimizer().learning_rate() == 0.01f);
    BOOST_TEST(plateau.wait() == 4);
    BOOST_TEST(plateau.cooldown_counter() == 1);
    BOOST_TEST(plateau.best() == 0.3);
}

BOOST_AUTO_TEST_CASE(a_factor_of_one_or_more_is_refused)
{
    reduce_lr_on_plateau_options o;
    o.factor = 1.0;
    BOOST_CHECK_THROW(reduce_lr_on_plateau(o, nullptr), config_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(learning_rate_schedules)

constexpr double tight = 1e-12;  // double arithmetic on both sides

// 0.1 * 0.5^(5/10) = 0.1 / sqrt(2) = 0.0707106781...; staircase: 0.5^floor(1.5) = 0.5.
BOOST_AUTO_TEST_CASE(exponential_decay)
{
    learning_rate_schedule_options o;
    o.kind = decay_kind::exponential;
    o.decay_steps = training_duration::steps(10);
    o.decay_rate = 0.5;
    BOOST_TEST(scheduled_learning_rate(o, 0.1, 0, 1) == 0.1, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.1, 5, 1) == 0.07071067811865475, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.1, 15, 1) == 0.1 * std::pow(0.5, 1.5), boost::test_tools::tolerance(tight));
    o.staircase = true;
    BOOST_TEST(scheduled_learning_rate(o, 0.1, 15, 1) == 0.05, boost::test_tools::tolerance(tight));
}

// Every 12 steps (3 epochs of 4) the rate is multiplied by 0.1.
BOOST_AUTO_TEST_CASE(step_decay)
{
    learning_rate_schedule_options o;
    o.kind = decay_kind::step;
    o.decay_steps = training_duration::epochs(3);
    o.decay_rate = 0.1;
    BOOST_TEST(o.decay_steps.to_steps(4) == 12);
    BOOST_TEST(scheduled_learning_rate(o, 0.01, 11, 4) == 0.01, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.01, 12, 4) == 0.001, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.01, 25, 4) == 0.0001, boost::test_tools::tolerance(tight));
}

// Halfway: cos(pi/2) = 0, so c = 0.5 and lr = (0.9 * 0.5 + 0.1) = 0.55;
// at and after the end: alpha = 0.1.
BOOST_AUTO_TEST_CASE(cosine_decay)
{
    learning_rate_schedule_options o;
    o.kind = decay_kind::cosine;
    o.decay_steps = training_duration::steps(100);
    o.alpha = 0.1;
    BOOST_TEST(scheduled_learning_rate(o, 1.0, 0, 1) == 1.0, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 1.0, 50, 1) == 0.55, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 1.0, 25, 1) == 0.9 * 0.5 * (1 + std::sqrt(0.5)) + 0.1,
               boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 1.0, 100, 1) == 0.1, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 1.0, 1000, 1) == 0.1, boost::test_tools::tolerance(tight));
}

// Linear from 0 to 1e-3 over 10 steps, then cosine from 1e-3 over 100
// steps counted from the end of the warm-up: step 60 is halfway.
BOOST_AUTO_TEST_CASE(warm_up_then_decay)
{
    learning_rate_schedule_options o;
    o.kind = decay_kind::cosine;
    o.decay_steps = training_duration::steps(100);
    o.warmup_target = 1e-3;
    o.warmup_steps = training_duration::steps(10);
    BOOST_TEST(scheduled_learning_rate(o, 0.0, 0, 1) == 0.0);
    BOOST_TEST(scheduled_learning_rate(o, 0.0, 5, 1) == 5e-4, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.0, 10, 1) == 1e-3, boost::test_tools::tolerance(tight));
    BOOST_TEST(scheduled_learning_rate(o, 0.0, 60, 1) == 5e-4, boost::test_tools::tolerance(tight));
}

// Records the rate the optimizer holds as each batch begins (after the
// scheduler, which runs before it).
struct rate_recorder : callback {
    std::vector<double> rates;
    void on_batch_begin(trainer& t, std::int64_t) override { rates.push_back(t.get_optimizer().learning_rate()); }
};

// Step decay by 0.5 every epoch of 4 steps, from the optimizer's own rate
// (sgd 1.0): the 12 steps of 3 epochs train at 1, 0.5 and 0.25.
BOOST_AUTO_TEST_CASE(the_scheduler_sets_the_rate_of_every_step_during_fit)
{
    tiny_training t;
    learning_rate_schedule_options o;
    o.kind = decay_kind::step;
    o.decay_steps = training_duration::steps(4);
    o.decay_rate = 0.5;
    learning_rate_scheduler scheduler(o, 4);
    rate_recorder recorder;
    fit_options f;
    f.epochs = 3;
    f.batch_size = 2;
    const dataset d = t.data();
    t.fitter.fit(d, f, {&scheduler, &recorder});
    const std::vector<double> expected = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25};
    BOOST_TEST(recorder.rates == expected, boost::test_tools::per_element());
    BOOST_TEST(scheduler.state().at("initial_learning_rate") == 1.0);
}

BOOST_AUTO_TEST_CASE(settings_out_of_range_are_refused)
{
    learning_rate_schedule_options o;
    o.kind = decay_kind::exponential;
    o.decay_steps = training_duration::steps(0);
    BOOST_CHECK_THROW(check_schedule(o, "test"), config_error);
    o.decay_steps = training_duration::steps(10);
    o.decay_rate = 0.0;
    BOOST_CHECK_THROW(check_schedule(o, "test"), config_error);
    o.decay_rate = 0.5;
    o.warmup_steps = training_duration::steps(5);  // without a target to warm up to
    BOOST_CHECK_THROW(check_schedule(o, "test"), config_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(monitors_and_durations)

BOOST_AUTO_TEST_CASE(auto_mode_follows_the_metric_name)
{
    BOOST_TEST(!monitored_quantity("val_accuracy", monitor_mode::automatic, 0, "t").minimizes());
    BOOST_TEST(!monitored_quantity("sparse_categorical_accuracy", monitor_mode::automatic, 0, "t").minimizes());
    BOOST_TEST(monitored_quantity("val_loss", monitor_mode::automatic, 0, "t").minimizes());
    BOOST_TEST(!monitored_quantity("val_loss", monitor_mode::max, 0, "t").minimizes());
    try {
        monitored_quantity("lr", monitor_mode::automatic, 0, "exp.yaml:3:5: callbacks.early_stopping");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        BOOST_TEST(contains(e.what(), "cannot tell whether 'lr' should go up or down; set mode: min or mode: max"),
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(durations_carry_their_unit)
{
    BOOST_TEST(parse_training_duration("500 steps", "t").to_steps(32) == 500);
    BOOST_TEST(parse_training_duration("2 epochs", "t").to_steps(32) == 64);
    BOOST_TEST(parse_training_duration("1 epoch", "t").to_steps(32) == 32);
    for (const char* bad : {"5", "two epochs", "-1 steps", "3 weeks", "3 steps extra", ""}) {
        BOOST_CHECK_THROW(parse_training_duration(bad, "t"), config_error);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(callbacks_from_yaml)

const char* const base =
    "model:\n"
    "  - Dense: {units: 10, activation: softmax, input_shape: [784]}\n"
    "compile: {loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n";

experiment load(const testing::temp_directory& dir, const std::string& text,
                const std::vector<std::string>& overrides = {})
{
    return load_experiment(dir.write("exp.yaml", std::string(base) + text), overrides);
}

// The message of the config_error that building the callbacks throws.
std::string build_error(const std::string& text, const std::vector<std::string>& overrides = {})
{
    testing::temp_directory dir;
    try {
        const experiment e = load(dir, text, overrides);
        make_experiment_callbacks(e, 10);
    } catch (const config_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a config_error");
    return "";
}

BOOST_AUTO_TEST_CASE(no_section_no_callbacks_and_an_empty_section_switches_one_on)
{
    testing::temp_directory dir;
    BOOST_TEST(make_experiment_callbacks(load(dir, ""), 10)->empty());
    const experiment e = load(dir, "fit: {validation: test}\ncallbacks: {early_stopping: {}}\n");
    BOOST_TEST(e.resolved["callbacks"]["early_stopping"]["patience"].as<int>() == 0);
    BOOST_TEST(!e.resolved["callbacks"]["csv_logger"].IsDefined());
    const auto c = make_experiment_callbacks(e, 10);
    BOOST_TEST(c->list().size() == 1u);
    BOOST_TEST(c->state().count("early_stopping") == 1u);
}

BOOST_AUTO_TEST_CASE(an_override_switches_a_callback_on)
{
    testing::temp_directory dir;
    const experiment e = load(dir, "", {"callbacks.early_stopping.monitor=loss", "callbacks.early_stopping.patience=3"});
    const auto c = make_experiment_callbacks(e, 10);
    BOOST_TEST(c->list().size() == 1u);
    BOOST_TEST(!c->logs_learning_rate());
}

BOOST_AUTO_TEST_CASE(a_misspelt_callback_gets_a_suggestion)
{
    const std::string message = build_error("callbacks: {early_stoping: {}}\n");
    BOOST_TEST(contains(message, ":4:13: unknown key 'callbacks.early_stoping' (did you mean 'callbacks.early_stopping'?)"),
               message);
}

BOOST_AUTO_TEST_CASE(a_validation_monitor_without_validation_says_why)
{
    const std::string message = build_error("callbacks:\n  early_stopping: {monitor: val_loss}\n");
    BOOST_TEST(contains(message, "callbacks.early_stopping.monitor: 'val_loss' is not logged by this experiment "
                                 "(validation values need fit.validation: test); logged: loss, accuracy"),
               message);
    BOOST_TEST(contains(message, "exp.yaml:5:29"), message);
}

BOOST_AUTO_TEST_CASE(a_misspelt_monitor_gets_a_suggestion)
{
    const std::string message = build_error("fit: {validation: test}\ncallbacks: {reduce_lr_on_plateau: {monitor: val_acuracy}}\n");
    BOOST_TEST(contains(message, "(did you mean 'val_accuracy'?)"), message);
}

BOOST_AUTO_TEST_CASE(two_callbacks_setting_the_rate_are_refused)
{
    const std::string message = build_error(
        "callbacks:\n  reduce_lr_on_plateau: {monitor: loss}\n  lr_schedule: {kind: cosine_decay, decay_steps: 1 epoch}\n");
    BOOST_TEST(contains(message, "lr_schedule and reduce_lr_on_plateau both set the learning rate"), message);
}

BOOST_AUTO_TEST_CASE(schedule_settings_are_checked_against_their_kind)
{
    BOOST_TEST(contains(build_error("callbacks: {lr_schedule: {kind: exponential_decay, decay_steps: 100 steps}}\n"),
                        "kind exponential_decay needs decay_rate"));
    BOOST_TEST(contains(build_error("callbacks: {lr_schedule: {kind: cosine_decay}}\n"),
                        "kind cosine_decay needs decay_steps"));
    const std::string no_unit = build_error("callbacks: {lr_schedule: {kind: cosine_decay, decay_steps: 100}}\n");
    BOOST_TEST(contains(no_unit, "callbacks.lr_schedule.decay_steps: '100': the unit is missing; accepted forms: "
                                 "'500 steps', '2 epochs'"),
               no_unit);
    BOOST_TEST(contains(build_error("callbacks: {lr_schedule: {kind: linear}}\n"), "'linear' is not one of"));
}

BOOST_AUTO_TEST_CASE(bad_numbers_are_refused_with_the_key)
{
    BOOST_TEST(contains(build_error("callbacks: {early_stopping: {monitor: loss, patience: -1}}\n"),
                        "callbacks.early_stopping: patience: expected an integer >= 0, found -1"));
    BOOST_TEST(contains(build_error("callbacks: {reduce_lr_on_plateau: {monitor: loss, factor: 2}}\n"),
                        "callbacks.reduce_lr_on_plateau: factor: expected a number between 0 and 1"));
    BOOST_TEST(contains(build_error("callbacks: {early_stopping: {monitor: loss, patience: soon}}\n"),
                        "callbacks.early_stopping.patience: expected an integer, found 'soon'"));
    BOOST_TEST(contains(build_error("callbacks: {csv_logger: {path: a.csv, separator: ';;'}}\n"),
                        "callbacks.csv_logger.separator: expected one character"));
    BOOST_TEST(contains(build_error("callbacks: {csv_logger: {append: true}}\n"), "missing required key 'path'"));
}

BOOST_AUTO_TEST_SUITE_END()
