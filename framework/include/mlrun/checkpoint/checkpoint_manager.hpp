// The one owner of a run's checkpoint files: the directory and its lock,
// the format (format_choice.hpp), the `checkpoint` state file, retention
// (keep_last), the save as a transaction, and what resume goes on from.
//
// A save never damages what was there: the format writes under temporary
// names; a prefix saved again under its own name is first kept under a
// second name (previous_checkpoint.hpp); the state file names the new
// checkpoint only once it is complete, and old checkpoints' files are
// deleted only after the state file stops naming them.
#pragma once

#include "mlrun/checkpoint/checkpoint_options.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/path_template.hpp"

#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun {

class communicator;
class directory_lock;
struct io_error;
class plugin_registry;

class checkpoint_manager {
public:
    // Chooses the format (config_error at checkpoint.format when none
    // fits) and locks the directory for the manager's life, before resume
    // reads it or anything is written (io_error when another run holds it).
    // Warnings and notes go to `out`. Without `lock_directory` it only
    // reads (another rank of a distributed run, whose rank 0 holds the lock).
    checkpoint_manager(checkpoint_options options, const plugin_registry& plugins, std::ostream& out,
                       bool lock_directory = true);
    ~checkpoint_manager();
    checkpoint_manager(const checkpoint_manager&) = delete;
    checkpoint_manager& operator=(const checkpoint_manager&) = delete;

    const checkpoint_options& options() const { return options_; }
    const path_template& path() const { return template_; }
    const format& file_format() const { return format_; }

    // A distributed run's ranks save together (docs/distributed.md): a
    // TensorFlow checkpoint as one data shard per rank, rank 0 writing the
    // index and the state file once every shard is in place; a one-file
    // format by rank 0 alone. Every rank calls save() at the same point.
    void set_ranks(communicator* ranks) { ranks_ = ranks; }

    // At the start of a run: DIRECTORY/experiment.yaml records the resolved
    // experiment `record` (when not empty), and the temporaries of a save
    // that was killed go. Throws io_error unless on_save_error is warn.
    void begin_run(const std::string& record);

    // Writes `ckpt` to `path` (the template filled in), names it in the
    // state file and drops what keep_last no longer keeps. On failure
    // nothing that was there changes: throws io_error, or with
    // on_save_error: warn says so on the output and returns false.
    bool save(const std::string& path, const checkpoint& ckpt);

    // What the state file names, newest first, joined onto its directory
    // (empty: nothing saved yet). Throws config_error when the path's
    // directory has {fields}, io_error when the state file is unreadable.
    std::vector<std::string> saved_checkpoints() const;
    // Reads one of them whole (checksums verified; io_error on damage).
    checkpoint load(const std::string& path) const;

private:
    // A checkpoint of several files named by a prefix (TensorFlow's).
    bool prefix_named() const { return format_.suffixes().empty(); }
    void write_experiment_record(const std::string& record) const;
    void warn_if_short_of_space(const std::string& path, const checkpoint& ckpt) const;
    void warn_of_failure(const std::string& what, const io_error& e) const;
    void save_and_name(const std::string& path, const checkpoint& ckpt);
    // save_and_name over several ranks; every rank throws the same io_error
    // when any of them failed.
    void save_with_ranks(const std::string& path, const checkpoint& ckpt, double monitored);
    void save_shards(const std::string& path, const checkpoint& ckpt, double monitored);
    // The state file names `path` as the newest, no longer `forget`, and
    // keeps what keep_last and keep_best keep; then the dropped
    // checkpoints' files go. `monitored` is the new checkpoint's value.
    void update_state_file(const std::string& path, double monitored, const std::string& forget = "");
    // Which of `names` (oldest first, the last one new, its value
    // `newest_value`) the retention options keep.
    std::vector<bool> kept(const std::string& directory, const std::vector<std::string>& names, double newest_value) const;
    // checkpoint.monitor as the checkpoint at `path` recorded it; NaN when unknown.
    double monitored_value(const std::string& path) const;
    void remove_checkpoint(const std::string& directory, const std::string& name) const;

    checkpoint_options options_;
    const plugin_record& plugin_;
    format format_;
    path_template template_;
    std::ostream& out_;
    std::unique_ptr<directory_lock> lock_;
    communicator* ranks_ = nullptr;
};

}  // namespace mlrun
