#include "mlrun/checkpoint/checkpoint_manager.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/directory_lock.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/format_listing.hpp"
#include "mlrun/checkpoint/previous_checkpoint.hpp"
#include "mlrun/checkpoint/stale_temporaries.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/distributed/communicator.hpp"

#include <boost/filesystem/operations.hpp>

#include <sys/statvfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

double seconds_since_epoch()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string directory_of(const std::string& path)
{
    const fs::path p(path);
    return p.has_parent_path() ? p.parent_path().string() : ".";
}

}  // namespace

checkpoint_manager::checkpoint_manager(checkpoint_options options, const plugin_registry& plugins, std::ostream& out,
                                       bool lock_directory)
    : options_(std::move(options)),
      plugin_(choose_format(plugins, options_.format, options_.path, options_.format_where)),
      format_(plugin_),
      template_(options_.path, options_.where),
      out_(out),
      lock_(lock_directory ? std::make_unique<directory_lock>(options_.directory()) : nullptr)
{
}

checkpoint_manager::~checkpoint_manager() = default;

void checkpoint_manager::begin_run(const std::string& record)
{
    if (!lock_) return;  // another rank's view: the lock holder tidies up
    try {
        write_experiment_record(record);
    } catch (const io_error& e) {
        if (!options_.warn_on_save_error) throw;
        warn_of_failure("writing " + (fs::path(options_.directory()) / "experiment.yaml").string(), e);
    }
    if (const int removed = remove_stale_temporaries(options_.directory()); removed > 0) {
        out_ << "Removed " << removed << " temporary file(s) of a save that was killed\n";
    }
}

void checkpoint_manager::write_experiment_record(const std::string& record) const
{
    if (record.empty()) return;
    const std::string directory = options_.directory();
    boost::system::error_code ec;
    fs::create_directories(directory, ec);
    if (ec) return;  // the first save reports why the directory cannot be made
    write_file_atomically((fs::path(directory) / "experiment.yaml").string(),
                          "# The resolved experiment of the run that saved the checkpoints in this directory.\n" +
                              record + "\n");
}

bool checkpoint_manager::save(const std::string& path, const checkpoint& ckpt)
{
    const fs::path target(path);
    if (target.has_parent_path()) {
        boost::system::error_code ignored;  // a directory that cannot be made: the save says why
        fs::create_directories(target.parent_path(), ignored);
    }
    warn_if_short_of_space(path, ckpt);
    try {
        save_and_name(path, ckpt);
    } catch (const io_error& e) {
        if (!options_.warn_on_save_error) throw;
        warn_of_failure("saving " + path, e);
        return false;
    }
    return true;
}

void checkpoint_manager::warn_of_failure(const std::string& what, const io_error& e) const
{
    out_ << "warning: " << what << " failed, training goes on (checkpoint.on_save_error: warn): " << e.what() << "\n"
         << std::flush;
}

void checkpoint_manager::save_and_name(const std::string& path, const checkpoint& ckpt)
{
    double monitored = std::nan("");
    if (const auto state = ckpt.metadata.find(checkpoint_keys::training_state); state != ckpt.metadata.end()) {
        monitored = parse_training_state(state->second, path).monitored;
    }
    if (ranks_ != nullptr && ranks_->size() > 1) {
        save_with_ranks(path, ckpt, monitored);
        return;
    }
    if (!prefix_named()) {  // one file, renamed into place at once
        format_.save(path, ckpt, options_.format_settings());
        update_state_file(path, monitored);
        return;
    }
    previous_checkpoint previous(directory_of(path), path);
    try {
        format_.save(path, ckpt, options_.format_settings());
    } catch (const io_error&) {
        previous.restore();
        throw;
    }
    update_state_file(path, monitored, previous.kept_name());
    previous.release();
}

void checkpoint_manager::save_with_ranks(const std::string& path, const checkpoint& ckpt, double monitored)
{
    if (prefix_named()) {
        save_shards(path, ckpt, monitored);
        return;
    }
    // One file: rank 0 writes it; the others learn whether it worked.
    std::string failure;
    if (ranks_->rank() == 0) {
        try {
            format_.save(path, ckpt, options_.format_settings());
            update_state_file(path, monitored);
        } catch (const io_error& e) {
            failure = e.what();
        }
    }
    const std::string failed = ranks_failing(*ranks_, !failure.empty());
    if (!failed.empty()) throw io_error(failure.empty() ? path + ": rank 0 could not save it (its output says why)" : failure);
}

void checkpoint_manager::save_shards(const std::string& path, const checkpoint& ckpt, double monitored)
{
    // Each rank writes its shard under a temporary name; once all have,
    // each renames its own into place; once all have, rank 0 writes the
    // index and then the state file. Until every shard is written nothing
    // changes, so a failure restores the previous checkpoint; after that
    // the state file names its second name (previous_checkpoint.hpp),
    // complete either way.
    communicator& ranks = *ranks_;
    const bool root = ranks.rank() == 0;
    std::optional<previous_checkpoint> previous;
    std::string failure;
    if (root) {
        try {
            previous.emplace(directory_of(path), path);
        } catch (const io_error& e) {
            failure = e.what();
        }
    }
    if (const std::string failed = ranks_failing(ranks, !failure.empty()); !failed.empty()) {
        throw io_error(root ? failure : path + ": rank 0 could not keep the previous checkpoint (its output says why)");
    }
    format_options settings = options_.format_settings();
    std::uint64_t sharded_bytes = 0;
    for (const auto& [name, t] : ckpt.tensors) {
        if (t.type() != dtype::string) sharded_bytes += t.byte_size();
    }
    settings.emplace_back("shard", std::to_string(ranks.rank()));
    settings.emplace_back("shards", std::to_string(ranks.size()));
    settings.emplace_back("sharded_bytes", std::to_string(sharded_bytes));

    bool written_agreed = false;  // this rank has joined the "all written" agreement
    std::string not_written;      // the ranks that could not write their shard
    bool committed = false;
    try {
        format_.save(path, ckpt, settings, [&] {
            written_agreed = true;
            not_written = ranks_failing(ranks, false);
            if (!not_written.empty()) throw io_error(path + ": " + not_written + " could not write its shard");
            if (!root) return;
            // Rank 0 commits (its shard, then the index) only once the others' shards are in place.
            if (const std::string failed = ranks_failing(ranks, false); !failed.empty()) {
                throw io_error(path + ": " + failed + " could not put its shard in place");
            }
        });
        committed = true;
    } catch (const io_error& e) {
        failure = e.what();
    }
    if (!written_agreed) not_written = ranks_failing(ranks, true);
    if (!root && not_written.empty()) ranks_failing(ranks, !committed);  // rank 0 waits for this in its commit
    if (root) {
        if (!not_written.empty()) {
            previous->restore();  // nothing was renamed: the old files are whole under their own name
        } else if (committed) {
            try {
                update_state_file(path, monitored, previous->kept_name());
                previous->release();
            } catch (const io_error& e) {
                failure = e.what();
            }
        }
        // Otherwise some shards were renamed: the state file goes on naming the second name.
    }
    const std::string failed = ranks_failing(ranks, !failure.empty());
    if (failed.empty()) return;
    throw io_error(!failure.empty() ? failure : path + ": the save failed on " + failed + " (its output says why)");
}

void checkpoint_manager::warn_if_short_of_space(const std::string& path, const checkpoint& ckpt) const
{
    std::uint64_t needed = 4096;  // the index or HDF5 structure, and the state file
    for (const auto& [name, value] : ckpt.tensors) needed += value.byte_size() + name.size() + 64;
    for (const auto& [key, value] : ckpt.metadata) needed += key.size() + value.size() + 64;
    const std::string directory = directory_of(path);
    struct statvfs info {};
    if (::statvfs(directory.c_str(), &info) != 0) return;  // a missing directory: the save says why
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
    if (free_bytes < needed) {
        out_ << "warning: checkpoint " << path << " needs about " << needed << " bytes but " << directory << " has "
             << free_bytes << " free; the save will likely fail\n" << std::flush;
    }
}

void checkpoint_manager::update_state_file(const std::string& path, double monitored, const std::string& forget)
{
    const std::string directory = directory_of(path);
    const std::string name = fs::path(path).filename().string();
    std::optional<checkpoint_state> old;
    try {
        old = read_checkpoint_state(directory);
    } catch (const io_error& e) {
        out_ << "warning: " << e.what() << "; writing a new state file\n";
    }
    const double now = seconds_since_epoch();
    checkpoint_state state;
    state.model_checkpoint_path = name;
    state.last_preserved_timestamp = old && old->last_preserved_timestamp ? *old->last_preserved_timestamp : now;
    if (old) {
        for (std::size_t i = 0; i < old->all_model_checkpoint_paths.size(); ++i) {
            const std::string& p = old->all_model_checkpoint_paths[i];
            if (p == name) continue;    // saved again under the same name: it becomes the newest
            if (p == forget) continue;  // the old files' second name, going now
            state.all_model_checkpoint_paths.push_back(p);
            state.all_model_checkpoint_timestamps.push_back(
                i < old->all_model_checkpoint_timestamps.size() ? old->all_model_checkpoint_timestamps[i] : now);
        }
    }
    state.all_model_checkpoint_paths.push_back(name);
    state.all_model_checkpoint_timestamps.push_back(now);
    std::vector<std::string> removed;
    auto& paths = state.all_model_checkpoint_paths;
    auto& stamps = state.all_model_checkpoint_timestamps;
    const std::vector<bool> keep = kept(directory, paths, monitored);
    std::size_t next = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (!keep[i]) {
            removed.push_back(paths[i]);
            continue;
        }
        paths[next] = paths[i];
        stamps[next] = stamps[i];
        ++next;
    }
    paths.resize(next);
    stamps.resize(next);
    // The state file stops naming a checkpoint before its files go.
    write_checkpoint_state(directory, state);
    for (const std::string& r : removed) {
        if (contains(paths, r)) continue;
        if (template_.makes_file_name(r)) {
            remove_checkpoint(directory, r);
        } else {  // dropped from the state file once, so warned about once
            out_ << "warning: not deleting '" << r << "' named in " << (fs::path(directory) / checkpoint_state_file).string()
                 << ": retention deletes only names checkpoint.path '" << options_.path << "' makes in " << directory
                 << "\n";
        }
    }
}

std::vector<bool> checkpoint_manager::kept(const std::string& directory, const std::vector<std::string>& names,
                                           double newest_value) const
{
    const auto keep_last = static_cast<std::size_t>(options_.keep_last);
    if (keep_last == 0 || names.size() <= keep_last) return std::vector<bool>(names.size(), true);
    std::vector<bool> keep(names.size(), false);
    for (std::size_t i = names.size() - keep_last; i < names.size(); ++i) keep[i] = true;
    if (options_.keep_best == 0) return keep;
    // Best first; a checkpoint whose value is unknown is kept by keep_last only.
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const double value = i + 1 == names.size() ? newest_value
                                                   : monitored_value(resolve_checkpoint_path(directory, names[i]));
        if (!std::isnan(value)) ranked.emplace_back(options_.larger_is_better() ? -value : value, i);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; k < ranked.size() && k < static_cast<std::size_t>(options_.keep_best); ++k) {
        keep[ranked[k].second] = true;
    }
    return keep;
}

double checkpoint_manager::monitored_value(const std::string& path) const
{
    try {
        const checkpoint_listing listing = list_tensors(plugin_, path);
        const auto state = listing.metadata.find(checkpoint_keys::training_state);
        return state == listing.metadata.end() ? std::nan("") : parse_training_state(state->second, path).monitored;
    } catch (const error&) {
        return std::nan("");  // gone or damaged: not among the best
    }
}

void checkpoint_manager::remove_checkpoint(const std::string& directory, const std::string& name) const
{
    const fs::path target(resolve_checkpoint_path(directory, name));
    boost::system::error_code ec;
    for (const fs::path& f : checkpoint_files(target, prefix_named())) {
        fs::remove(f, ec);
        if (ec) out_ << "warning: cannot delete old checkpoint file " << f.string() << ": " << ec.message() << "\n";
    }
}

std::vector<std::string> checkpoint_manager::saved_checkpoints() const
{
    const std::string directory = directory_of(options_.path);
    if (directory.find('{') != std::string::npos) {
        throw config_error(options_.where + ": '" + options_.path +
                           "': resume needs a fixed directory; put the {fields} in the file name only");
    }
    const std::optional<checkpoint_state> state = read_checkpoint_state(directory);
    if (!state || state->model_checkpoint_path.empty()) return {};
    std::vector<std::string> newest_first = {state->model_checkpoint_path};
    for (auto it = state->all_model_checkpoint_paths.rbegin(); it != state->all_model_checkpoint_paths.rend(); ++it) {
        if (*it != state->model_checkpoint_path) newest_first.push_back(*it);
    }
    for (std::string& name : newest_first) name = resolve_checkpoint_path(directory, name);
    return newest_first;
}

checkpoint checkpoint_manager::load(const std::string& path) const { return format_.load(path); }

}  // namespace mlrun
