// A disk that fills up during a save: every amount of free space from none
// to almost enough, on a small tmpfs. Each save must end in a clear error
// (an io_error saying so), the process must exit normally afterwards (a
// libhdf5 identifier left open by a failed write crashed its exit-time
// cleanup), and the previous file must load as before.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include "support/small_disk.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

using namespace mlrun;
using namespace mlrun::testing;

BOOST_AUTO_TEST_SUITE(keras_full_disk)

BOOST_AUTO_TEST_CASE(a_full_disk_during_a_save_is_a_clear_error_and_keeps_the_previous_file)
{
    small_disk disk(256 * 1024);
    if (disk.skipped("keras_full_disk")) return;
    const plugin_registry plugins = build_plugins();
    const std::string path = disk.path("model.h5");
    iris_like().save(path, plugins);
    const checkpoint before = format_for_path(plugins, path).load(path);
    const std::string saved = bytes_of(path);
    for (std::size_t free_bytes = 0; free_bytes <= 28 * 1024; free_bytes += 4096) {
        disk.leave_free(free_bytes);
        const pid_t pid = ::fork();
        BOOST_REQUIRE(pid >= 0);
        if (pid == 0) {
            // A save over the first file, then a normal exit with libhdf5's cleanup.
            int code = 0;
            try {
                iris_like other;
                other.save(path, plugins);
                code = 1;  // it fitted: nothing to test at this size
            } catch (const io_error& e) {
                code = std::string(e.what()).find("No space left on device") != std::string::npos ? 0 : 2;
            } catch (...) {
                code = 3;
            }
            std::exit(code);
        }
        int status = 0;
        BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
        BOOST_CHECK_MESSAGE(!WIFSIGNALED(status), "free " << free_bytes << ": the saving process died on signal "
                                                          << (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
        BOOST_CHECK_MESSAGE(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 1),
                            "free " << free_bytes << ": exit status " << WEXITSTATUS(status)
                                    << " (2: an error not saying the disk is full)");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 1) break;
        const checkpoint after = format_for_path(plugins, path).load(path);
        BOOST_CHECK_MESSAGE(after.tensors.size() == before.tensors.size() && after.metadata == before.metadata,
                            "free " << free_bytes << ": the previous file changed");
        BOOST_CHECK_MESSAGE(bytes_of(path) == saved, "free " << free_bytes << ": the previous file's bytes changed");
        BOOST_CHECK_MESSAGE(disk.files_named(".tmp").empty(), "free " << free_bytes << ": a temporary was left behind");
    }
}

BOOST_AUTO_TEST_SUITE_END()
