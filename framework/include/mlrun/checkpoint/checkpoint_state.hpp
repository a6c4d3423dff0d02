// The `checkpoint` state file TensorFlow keeps in a checkpoint directory: a
// text-format CheckpointState naming the newest checkpoint and the ones
// kept (spec §5). mlrun writes it the way TensorFlow's CheckpointManager
// does, so tf.train.latest_checkpoint and `mlrun latest` agree.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mlrun {

inline constexpr const char* checkpoint_state_file = "checkpoint";

struct checkpoint_state {
    std::string model_checkpoint_path;                // newest; relative to the directory, or absolute
    std::vector<std::string> all_model_checkpoint_paths;  // kept ones, oldest first; the last is the newest
    std::vector<double> all_model_checkpoint_timestamps;  // seconds since the Unix epoch, one per path
    std::optional<double> last_preserved_timestamp;
};

// The file's text: one `name: value` line per field, strings quoted with C
// escapes, doubles in their shortest round-trip form.
std::string format_checkpoint_state(const checkpoint_state& state);

// Parses the text of a state file; `file` names it in errors (io_error
// with the line number). Unknown fields are skipped, as TensorFlow's
// readers of newer files do.
checkpoint_state parse_checkpoint_state(const std::string& text, const std::string& file);

// DIRECTORY/checkpoint, or nullopt when there is none. Throws io_error when
// it exists but cannot be read or parsed.
std::optional<checkpoint_state> read_checkpoint_state(const std::string& directory);

// Replaces DIRECTORY/checkpoint atomically: a synced temporary file renamed
// over it, so a reader sees the old state or the new one, never a mix.
void write_checkpoint_state(const std::string& directory, const checkpoint_state& state);

// What tf.train.latest_checkpoint(directory) returns: the newest path,
// joined onto the directory when relative, provided PATH.index or PATH
// itself exists; nullopt otherwise.
std::optional<std::string> latest_checkpoint(const std::string& directory);

// `path` joined onto `directory` unless it is absolute.
std::string resolve_checkpoint_path(const std::string& directory, const std::string& path);

}  // namespace mlrun
