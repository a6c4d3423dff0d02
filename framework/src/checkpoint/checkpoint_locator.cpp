#include "mlrun/checkpoint/checkpoint_locator.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/core/error.hpp"

#include <boost/filesystem/operations.hpp>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

bool ends_with(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string resolve_checkpoint_argument(const std::string& path_or_directory)
{
    boost::system::error_code ec;
    if (!fs::is_directory(path_or_directory, ec)) {
        // PREFIX.index or PREFIX.data-* name the TensorFlow checkpoint PREFIX.
        const std::size_t data = path_or_directory.rfind(".data-");
        if (ends_with(path_or_directory, ".index")) return path_or_directory.substr(0, path_or_directory.size() - 6);
        if (data != std::string::npos && path_or_directory.find("-of-", data) != std::string::npos) {
            return path_or_directory.substr(0, data);
        }
        return path_or_directory;
    }
    const std::string state_file = (fs::path(path_or_directory) / checkpoint_state_file).string();
    const std::optional<checkpoint_state> state = read_checkpoint_state(path_or_directory);
    // A TF.js model directory (model.json and its shards) is read as a whole.
    if (!state && fs::exists(fs::path(path_or_directory) / "model.json", ec)) return path_or_directory;
    if (!state) {
        throw io_error(path_or_directory + ": no checkpoint in this directory (expected the state file " + state_file +
                       " that mlrun and TensorFlow write next to their checkpoints)");
    }
    if (const std::optional<std::string> latest = latest_checkpoint(path_or_directory)) return *latest;
    const std::string named = resolve_checkpoint_path(path_or_directory, state->model_checkpoint_path);
    throw io_error(state_file + ": names " + state->model_checkpoint_path + " but neither " + named + ".index nor " +
                   named + " exists");
}

}  // namespace mlrun
