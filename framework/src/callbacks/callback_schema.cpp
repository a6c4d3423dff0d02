#include "callbacks/callback_schema.hpp"

namespace mlrun {
namespace {

const std::vector<std::string> modes = {"auto", "min", "max"};

// A callback's section: absent unless the experiment names it.
key_spec section(const std::string& name, const std::string& doc, std::vector<key_spec> keys)
{
    return {name, value_kind::mapping, "", doc, {}, false, std::move(keys), "", true};
}

}  // namespace

const std::vector<key_spec>& callback_keys()
{
    static const std::vector<key_spec> keys = {
        section("early_stopping", "stop training when a monitored value stops improving (Keras EarlyStopping)",
                {
                    {"monitor", value_kind::string, "val_loss", "the logged value to watch: loss, accuracy, val_loss, ..."},
                    {"mode", value_kind::string, "auto",
                     "min: lower is better; max: higher is better; auto: max for accuracies, min for losses", modes},
                    {"min_delta", value_kind::number, "0", "a change of at most this much is no improvement"},
                    {"patience", value_kind::integer, "0", "epochs without improvement before training stops"},
                    {"baseline", value_kind::number, "~",
                     "stop unless the monitored value beats this within `patience` epochs"},
                    {"restore_best_weights", value_kind::boolean, "false",
                     "when training ends, put back the weights of the best epoch"},
                    {"start_from_epoch", value_kind::integer, "0",
                     "epochs of warm-up before the value is watched"},
                }),
        section("reduce_lr_on_plateau",
                "lower the learning rate when a monitored value stops improving (Keras ReduceLROnPlateau)",
                {
                    {"monitor", value_kind::string, "val_loss", "the logged value to watch"},
                    {"mode", value_kind::string, "auto",
                     "min: lower is better; max: higher is better; auto: max for accuracies, min for losses", modes},
                    {"factor", value_kind::number, "0.1", "new rate = rate x factor (between 0 and 1)"},
                    {"patience", value_kind::integer, "10", "epochs without improvement before the rate is lowered"},
                    {"min_delta", value_kind::number, "0.0001", "a change of at most this much is no improvement"},
                    {"cooldown", value_kind::integer, "0", "epochs to wait after a reduction before counting again"},
                    {"min_lr", value_kind::number, "0", "the rate is never lowered below this"},
                }),
        section("lr_schedule", "set the learning rate at every step from a schedule",
                {
                    {"kind", value_kind::string, "", "the shape of the schedule", {"constant", "exponential_decay", "step_decay", "cosine_decay"}, true},
                    {"initial_learning_rate", value_kind::number, "~",
                     "the rate at step 0 (default: compile.optimizer's learning rate)"},
                    {"decay_steps", value_kind::string, "~",
                     "exponential/step decay: the period of one decay_rate factor; cosine: the length of the decay; "
                     "with its unit: '500 steps', '2 epochs'"},
                    {"decay_rate", value_kind::number, "~", "exponential/step decay: the factor per decay_steps"},
                    {"staircase", value_kind::boolean, "false", "exponential decay: decay in whole periods"},
                    {"alpha", value_kind::number, "0", "cosine decay: the final rate, as a fraction of the start"},
                    {"warmup_target", value_kind::number, "~",
                     "warm up linearly from initial_learning_rate to this rate, then decay from it"},
                    {"warmup_steps", value_kind::string, "0 steps", "length of the warm-up: '200 steps', '1 epoch'"},
                }),
        section("csv_logger", "write one CSV row per epoch with every logged value (Keras CSVLogger)",
                {
                    {"path", value_kind::string, "", "the CSV file, e.g. runs/mnist/log.csv", {}, true},
                    {"separator", value_kind::string, "','", "one character between the values"},
                    {"append", value_kind::boolean, "false", "add rows to an existing file (resuming) instead of replacing it"},
                }),
        section("tensorboard", "write TensorBoard event files of the epoch values (Keras TensorBoard)",
                {
                    {"log_dir", value_kind::string, "logs", "the run's directory; train/ and validation/ go in it"},
                }),
    };
    return keys;
}

}  // namespace mlrun
