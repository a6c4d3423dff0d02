// mlrun verify PATH: reads a checkpoint end to end (every checksum, every
// tensor) and says whether it is sound. A directory: every checkpoint its
// state file names.
#include "commands.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "train/session.hpp"

#include <boost/filesystem/operations.hpp>

#include <iostream>

namespace mlrun::cli {
namespace {

// Loads `path` whole; the format checks structure and checksums as it reads.
void verify_one(const plugin_registry& plugins, const std::string& path)
{
    const format fmt(format_for_reading(plugins, path, "tf_checkpoint"));
    const checkpoint ckpt = fmt.load(path);
    std::size_t bytes = 0;
    for (const auto& [name, value] : ckpt.tensors) bytes += value.byte_size();
    std::cout << path << ": ok (" << fmt.name() << ", " << ckpt.tensors.size() << " tensors, " << bytes
              << " bytes of values, " << ckpt.metadata.size() << " metadata entries)\n";
    // The hdf5 format's whole-file checksum. Only its own reading sets it
    // (a converted checkpoint may carry an old one along).
    const auto file_checksum = ckpt.metadata.find("file_checksum");
    if (fmt.name() == "hdf5" && file_checksum != ckpt.metadata.end()) {
        std::cout << path << ": file checksum: " << file_checksum->second << "\n";
    }
}

}  // namespace

int verify(const common_options& common, const std::string& path)
{
    const plugin_registry plugins(plugin_search_order(common.plugin_dirs, {}));
    if (!boost::filesystem::is_directory(path)) {
        verify_one(plugins, path);
        return 0;
    }
    const std::optional<checkpoint_state> state = read_checkpoint_state(path);
    if (!state) throw io_error(path + ": expected a checkpoint state file 'checkpoint' in this directory, found none");
    std::vector<std::string> names = state->all_model_checkpoint_paths;
    if (names.empty() && !state->model_checkpoint_path.empty()) names.push_back(state->model_checkpoint_path);
    std::string first_damage;
    for (const std::string& name : names) {
        const std::string checkpoint_path = resolve_checkpoint_path(path, name);
        try {
            verify_one(plugins, checkpoint_path);
        } catch (const io_error& e) {
            std::cout << checkpoint_path << ": DAMAGED: " << e.what() << "\n";
            if (first_damage.empty()) first_damage = e.what();
        }
    }
    if (!first_damage.empty()) throw io_error(path + ": damaged checkpoints found; the first: " + first_damage);
    return 0;
}

}  // namespace mlrun::cli
