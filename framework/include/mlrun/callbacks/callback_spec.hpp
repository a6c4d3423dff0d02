// Keras's built-in callbacks as values: one options struct each, with
// Keras's names and defaults. An experiment's `callbacks` section is one
// encoding of them (its YAML codec, src/callbacks/callbacks_yaml.hpp);
// keras::fit_arguments takes them directly:
//
//     early_stopping_options stop;
//     stop.monitor = "val_accuracy";
//     stop.patience = 2;
//     m.fit(train, keras::fit_arguments{}.with_validation(test).with_callback(stop));
#pragma once

#include "mlrun/callbacks/csv_logger.hpp"
#include "mlrun/callbacks/early_stopping.hpp"
#include "mlrun/callbacks/learning_rate_schedule.hpp"
#include "mlrun/callbacks/reduce_lr_on_plateau.hpp"
#include "mlrun/callbacks/tensorboard_logger.hpp"

#include <string>
#include <variant>

namespace mlrun {

using callback_spec = std::variant<learning_rate_schedule_options, reduce_lr_on_plateau_options,
                                   early_stopping_options, csv_logger_options, tensorboard_options>;

// The experiment's name of the callback: "early_stopping", "csv_logger", ...
std::string callback_key(const callback_spec& spec);

// Whether the callback sets the learning rate (a schedule, ReduceLROnPlateau).
bool sets_learning_rate(const callback_spec& spec);

}  // namespace mlrun
