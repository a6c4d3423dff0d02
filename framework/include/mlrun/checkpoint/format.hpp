// A serialization format as the framework sees it: a format plugin's table
// behind save() and load() of whole checkpoints.
#pragma once

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/checkpoint/checkpoint.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

using format_options = std::vector<std::pair<std::string, std::string>>;

class format {
public:
    explicit format(const plugin_record& plugin);

    const std::string& name() const { return name_; }
    // Suffixes the format claims (".h5"); empty for prefix-named formats.
    const std::vector<std::string>& suffixes() const { return suffixes_; }
    // Whether a path names a prefix of several files (tf_checkpoint).
    bool prefix_paths() const { return prefix_paths_; }
    // Whether files are for other programs only (MLRUN_FORMAT_EXPORT_ONLY):
    // never loaded as a model or weights.
    bool export_only() const;
    // Whether the format may refuse a model others take (export-only ones,
    // MLRUN_FORMAT_CHECKS_MODEL), so a run dry-runs its save before training.
    bool checks_model() const;
    // Throws model_error when the format is export-only, so `path` cannot
    // be loaded as a model or as weights; says so and what to use instead.
    void require_loadable(const std::string& path) const;
    // "" when the format can write `path` (by its name), else the reason.
    std::string save_path_problem(const std::string& path) const;

    // Writes `ckpt` to `path` as one transaction: on any failure nothing at
    // `path` changes and io_error says what failed (file, tensor).
    void save(const std::string& path, const checkpoint& ckpt, const format_options& options = {}) const;
    // The same, calling `before_commit` once everything is handed to the
    // plugin and before it commits; when that throws, the save is aborted
    // (a distributed save waits there for the other ranks' shards).
    void save(const std::string& path, const checkpoint& ckpt, const format_options& options,
              const std::function<void()>& before_commit) const;

    // For export-only formats: whether save() would take `ckpt`, by a save
    // with option dry_run=true that writes nothing; io_error with the reason.
    void check_savable(const std::string& path, const checkpoint& ckpt, const format_options& options = {}) const;

    // Reads the whole checkpoint at `path`; io_error naming the file and the
    // tensor on damage (checksums are verified).
    checkpoint load(const std::string& path, const format_options& options = {}) const;

private:
    // The table's entry `member`, or io_error "PATH: the NAME format does
    // not support WHAT" when the plugin has none (NULL, or past its table).
    template <class Entry> Entry entry(Entry mlrun_format_table::*member, const std::string& path, const char* what) const;
    // The plugin's message for a failure, saying "not supported" when the
    // status says so.
    std::string failure(mlrun_status status, const char* message) const;

    std::string name_;
    std::vector<std::string> suffixes_;
    bool prefix_paths_ = false;
    const mlrun_format_table* table_;
};

}  // namespace mlrun
