// A TF.js model on disk: model.json and the shard files its manifest
// names, in one directory. Reading checks every shard against the
// manifest; writing replaces the model as a whole or not at all.
#pragma once

#include "model_json.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::tfjs {

// The converter's default: shards of at most 4 MiB, which browsers cache well.
inline constexpr std::uint64_t default_shard_bytes = 4 * 1024 * 1024;

// The model.json that `path` means: DIR/model.json for a directory (an
// existing one, or a path ending in '/'), else `path` itself.
std::string model_json_path(const std::string& path);

// A model read from disk: its model.json and, per manifest group, the
// bytes of its shards joined in order (exactly the manifest's size).
struct model_files {
    model_artifacts artifacts;
    std::vector<std::vector<unsigned char>> group_bytes;
};

// Reads model.json at `json_path` and every shard it names. A missing,
// unreadable or non-regular shard, or shards whose total size differs from
// what the manifest's shapes and dtypes need, is a format_error naming
// the shard, the weight where the bytes run out, and both sizes.
model_files read_model_files(const std::string& json_path);

struct write_options {
    std::uint64_t shard_bytes = default_shard_bytes;
    // Replace a model.json that mlrun did not write (TF.js's, the converter's).
    bool overwrite = false;
    std::string writer;  // what convertedBy says: "mlrun 0.1.0"
};

// Whether writing at `json_path` would replace another program's model
// (refused without `overwrite`): "" when not, else the reason.
std::string foreign_model_problem(const std::string& json_path, const write_options& options);

// Writes `artifacts` (manifest paths are filled in here) with one group's
// bytes per manifest group, split into shards. Every file is written to
// a temporary name and synced first; only then are the shards and last
// model.json renamed into place, and shards of the replaced model that the
// new one does not use are removed. A failure before the renames leaves
// the directory as it was.
void write_model_files(const std::string& json_path, model_artifacts artifacts,
                       const std::vector<std::vector<unsigned char>>& group_bytes, const write_options& options);

}  // namespace mlrun::tfjs
