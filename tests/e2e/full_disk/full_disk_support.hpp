// Runs of the mlrun tool whose outputs go to a small tmpfs filled to a
// chosen free space: every size from none to enough, one page at a time.
#pragma once

#include "e2e/checkpoint_e2e_support.hpp"
#include "support/run_command.hpp"
#include "support/small_disk.hpp"

#include "mlrun/checkpoint/checkpoint.hpp"
#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace mlrun::e2e {

using testing::small_disk;

// tmpfs hands out whole pages, so a page is the smallest step that gives
// the save a different amount of room.
constexpr std::size_t page = 4096;

inline plugin_registry& build_plugins()
{
    static plugin_registry registry({boost::filesystem::path(plugin_dir())});
    return registry;
}

inline testing::command_result run_mlrun(const scratch& s, const std::string& arguments)
{
    return testing::run_command("cd '" + s.dir.string() + "' && '" + env_or_fail("MLRUN_BINARY_DIR") + "/bin/mlrun' " +
                                arguments);
}

inline checkpoint load_checkpoint(const std::string& path)
{
    return format(format_for_reading(build_plugins(), path)).load(path);
}

// The tensors' bytes, by name: what "the same checkpoint" means here.
inline std::map<std::string, std::string> tensor_bytes(const checkpoint& c)
{
    std::map<std::string, std::string> bytes;
    for (const auto& [name, t] : c.tensors) bytes[name].assign(reinterpret_cast<const char*>(t.bytes()), t.byte_size());
    return bytes;
}

// Every file under the disk but the filler, with its bytes.
inline std::map<std::string, std::string> disk_files(const small_disk& disk)
{
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(disk.root())) {
        if (entry.is_regular_file() && entry.path().filename() != "filler") {
            files[entry.path().string()] = file_text(entry.path().string());
        }
    }
    return files;
}

// Runs `arguments` with 0, 1, 2, ... pages free until it succeeds. Each
// run that does not fit must exit 7 with a message naming `target` and
// the full disk, leave no temporary behind, and pass `intact`. Returns
// the number of runs that failed.
inline int sweep_free_space(small_disk& disk, const scratch& s, const std::string& arguments, const std::string& target,
                            const std::function<void()>& intact, std::size_t most = 64 * page)
{
    int failures = 0;
    for (std::size_t free = 0; free <= most; free += page) {
        disk.leave_free(free);
        const testing::command_result r = run_mlrun(s, arguments);
        BOOST_TEST_CONTEXT("mlrun " << arguments << " with " << free / page << " pages free")
        {
            if (r.exit_code == 0) {
                disk.free_all();
                BOOST_TEST(failures > 0, "it fitted on a full disk: the sweep tests nothing");
                return failures;
            }
            ++failures;
            BOOST_TEST(r.exit_code == 7, r.output);
            BOOST_TEST(contains(r.output, target), r.output);
            BOOST_TEST(contains(r.output, "No space left on device"), r.output);
            const std::vector<std::string> left = disk.files_named(".tmp");
            BOOST_TEST(left.empty(), "left behind: " << (left.empty() ? "" : left.front()));
            intact();
        }
    }
    disk.free_all();
    BOOST_ERROR("mlrun " << arguments << " did not fit in " << most / page << " pages");
    return failures;
}

}  // namespace mlrun::e2e
