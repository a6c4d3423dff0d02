#include "mlrun/checkpoint/previous_checkpoint.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/failpoint.hpp"

#include <boost/filesystem/operations.hpp>

#include <algorithm>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

// Every mention of `from` in the state file becomes `to`.
void rename_in_state(const std::string& directory, const std::string& from, const std::string& to)
{
    std::optional<checkpoint_state> state = read_checkpoint_state(directory);
    if (!state) return;
    if (state->model_checkpoint_path == from) state->model_checkpoint_path = to;
    std::replace(state->all_model_checkpoint_paths.begin(), state->all_model_checkpoint_paths.end(), from, to);
    write_checkpoint_state(directory, *state);
}

// Files left behind are replaced at the next save; nothing reads them.
void remove_files(const std::vector<fs::path>& files)
{
    for (const fs::path& file : files) {
        boost::system::error_code ignored;
        fs::remove(file, ignored);
    }
}

bool names(const checkpoint_state& state, const std::string& name)
{
    return state.model_checkpoint_path == name ||
           std::find(state.all_model_checkpoint_paths.begin(), state.all_model_checkpoint_paths.end(), name) !=
               state.all_model_checkpoint_paths.end();
}

}  // namespace

std::vector<fs::path> checkpoint_files(const fs::path& target, bool prefix_named)
{
    if (!prefix_named) return {target};
    std::vector<fs::path> files;
    const std::string stem = target.filename().string();
    const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
    boost::system::error_code ec;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string file = it->path().filename().string();
        if (file == stem + ".index" || file.rfind(stem + ".data-", 0) == 0) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

previous_checkpoint::previous_checkpoint(const std::string& directory, const std::string& path)
    : directory_(directory), name_(fs::path(path).filename().string()), kept_name_(name_ + ".previous")
{
    // Second names left by a run killed inside such a save go once the
    // state file stops naming them (release).
    had_second_names_ = fs::exists(fs::path(directory_) / (kept_name_ + ".index"));
    if (!fs::exists(path + ".index")) return;  // a fresh name: nothing to overwrite, no state to read
    const std::optional<checkpoint_state> state = read_checkpoint_state(directory_);
    if (!state || !names(*state, name_)) return;
    const std::string& kept = kept_name_;
    const fs::path kept_path = fs::path(directory_) / kept;
    remove_files(checkpoint_files(kept_path, true));  // a kill's leftovers
    for (const fs::path& file : checkpoint_files(fs::path(directory_) / name_, true)) {
        const std::string suffix = file.filename().string().substr(name_.size());
        const fs::path link = fs::path(directory_) / (kept + suffix);
        boost::system::error_code ec;
        fs::create_hard_link(file, link, ec);
        if (ec) fs::copy_file(file, link, ec);  // a file system without hard links
        if (ec) {
            remove_files(checkpoint_files(kept_path, true));
            throw io_error(link.string() + ": cannot keep the previous checkpoint under a second name while " + path +
                           " is saved again: " + ec.message());
        }
    }
    linked_ = true;
    failpoint("checkpoint.previous_linked");
    try {
        rename_in_state(directory_, name_, kept_name_);  // also syncs the directory, and the links with it
    } catch (const io_error&) {
        remove_links();  // the state file still names the old files under their own name
        throw;
    }
    failpoint("checkpoint.state_names_previous");
}

void previous_checkpoint::release()
{
    if (linked_ || had_second_names_) remove_links();
}

void previous_checkpoint::restore()
{
    if (!linked_) return;
    try {
        rename_in_state(directory_, kept_name_, name_);
        remove_links();
    } catch (const io_error&) {
        // The state file still names the second names, which stay: a
        // complete checkpoint either way.
    }
}

void previous_checkpoint::remove_links() const
{
    remove_files(checkpoint_files(fs::path(directory_) / kept_name_, true));
}

}  // namespace mlrun
