// Resuming an experiment from the latest complete checkpoint of its
// checkpoint directory (docs/resume.md).
#pragma once

#include "mlrun/checkpoint/training_state.hpp"

#include <optional>
#include <ostream>
#include <string>

namespace mlrun {

struct experiment;
class checkpoint_manager;
class callback_set;
class model;
class optimizer;

enum class resume_mode {
    never,     // start afresh
    latest,    // the latest checkpoint, which must be sound
    fallback,  // the newest sound one, saying which were skipped and why
};

// "auto" -> latest, "fallback" -> fallback, "never" -> never; usage_error otherwise.
resume_mode parse_resume_mode(const std::string& text);

// The experiment's fit.resume / fit.resume_fallback, unless `command_line`
// (from --resume) says otherwise.
resume_mode resume_mode_for(const experiment& e, std::optional<resume_mode> command_line);

struct resumed {
    std::string path;    // the checkpoint gone on from
    training_state state;
};

// Loads the latest checkpoint `files` has (nullptr: the experiment has no
// checkpoint.path, an error) into the model, optimizer (slots, iterations, learning rate)
// and callbacks. Nothing when there is no checkpoint yet. Throws
// config_error when the model or optimizer differs from the checkpoint's,
// io_error naming the file and tensor when it is damaged (unless
// `fallback`, which goes back to the newest sound one and says so on `out`).
std::optional<resumed> resume_from_latest(const experiment& e, const checkpoint_manager* files, model& m, optimizer& opt,
                                          callback_set& callbacks, resume_mode mode, std::ostream& out);

}  // namespace mlrun
