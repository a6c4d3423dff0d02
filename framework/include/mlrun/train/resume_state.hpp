// What a checkpoint's training_state holds so that a run can go on exactly
// where it stopped (docs/resume.md): the position inside the epoch, the
// optimizer's current learning rate, ModelCheckpoint's best value and the
// stateful callbacks' state. Doubles travel as their bits in hex, exact.
#pragma once

#include "mlrun/train/trainer.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

namespace mlrun {

struct resume_state {
    fit_position position;
    float learning_rate = 0.0f;
    double best = 0.0;        // ModelCheckpoint's best monitored value so far
    YAML::Node callbacks;     // {state_key: state}, as collect_callback_state gives
};

// The whole training_state text: the keys saved models carry (epoch, step,
// seed, batch_size, shuffle) plus `resume` and `callbacks`.
std::string format_training_state(const resume_state& state, int epochs_done, std::int64_t iterations,
                                  std::uint64_t seed, std::int64_t batch_size, bool shuffle);

// Reads `resume` and `callbacks` back. Throws io_error naming `source` and
// the key when one is missing or malformed.
resume_state parse_resume_state(const std::string& training_state, const std::string& source);

}  // namespace mlrun
