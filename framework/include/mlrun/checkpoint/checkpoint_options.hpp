// The experiment's `checkpoint` section, typed: parsed once with the
// experiment (experiment/experiment.cpp), with each key's file:line:column for
// messages, and read by ModelCheckpoint (when
// to save), the checkpoint manager (where and how) and resume (from where).
#pragma once

#include "mlrun/checkpoint/save_frequency.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mlrun {

struct checkpoint_options {
    std::string path;             // template, e.g. training_2/cp-{epoch:04d}.ckpt; empty: no checkpoints
    std::string format;           // a format plugin's name; "": chosen from the path (format_choice.hpp)
    bool save_weights_only = true;
    std::string keras_version;    // the hdf5 format's keras_version; "": the path's default (auto)
    save_frequency every;
    bool save_best_only = false;
    std::string monitor = "val_loss";
    std::string mode = "auto";    // min | max | auto (max for accuracies, else min)
    int verbose = 0;
    int keep_last = 5;            // 0 keeps every checkpoint
    int keep_best = 0;            // besides keep_last, the ones with the best `monitor`
    bool save_at_start = false;
    bool warn_on_save_error = false;  // on_save_error: warn (go on) instead of stop
    std::string where;            // "file:line:col: checkpoint.path", for messages
    std::string format_where;     // "file:line:col: checkpoint.format"
    std::string keras_version_where;  // "file:line:col: checkpoint.keras_version"

    bool enabled() const { return !path.empty(); }
    // What the format is given with each save (hdf5: keras_version).
    std::vector<std::pair<std::string, std::string>> format_settings() const;
    // Whether a larger `monitor` is better (mode max, or auto for accuracies).
    bool larger_is_better() const;
    // The directory part of the path up to its first {field}: where the
    // lock, the experiment record and the temporaries of a kill live.
    std::string directory() const;
};

}  // namespace mlrun
