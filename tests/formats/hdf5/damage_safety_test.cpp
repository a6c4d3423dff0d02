// What keeps a damaged HDF5 file from crashing, hanging or silently
// misleading mlrun: the checksum block at the start of every file mlrun
// writes, and the separate process that first reads any other file
// (isolated_read_test.cpp tests that process itself).
#include "formats/hdf5/hdf5_test_support.hpp"

#include "file_seal.hpp"
#include "h5_io.hpp"
#include "keras_files.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;
namespace kh = mlrun::keras_h5;

namespace {

// How a read of `path` with the plugin's unguarded reader ends in a plain
// forked process: the signal that ended it, or 0. Independent of
// the isolated read, to show the damage is real.
int unguarded_read_signal(const std::string& path)
{
    const pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        // Boost.Test's own handlers would catch a crash here and carry on testing in this process.
        for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGALRM}) std::signal(sig, SIG_DFL);
        std::freopen("/dev/null", "w", stderr);
        alarm(2);
        try {
            kh::h5_quiet quiet;
            kh::read_keras_file_unguarded(path);
        } catch (...) {
        }
        _exit(0);
    }
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

std::string flipped_copy(const std::string& from, const std::string& to, std::size_t offset, int bit)
{
    std::string bytes = bytes_of(from);
    BOOST_REQUIRE(offset < bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << bit));
    write_file(to, bytes);
    return to;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hdf5_damage_safety)

BOOST_AUTO_TEST_CASE(files_mlrun_writes_carry_a_checksum_block_other_readers_skip)
{
    temp_dir dir;
    const plugin_registry plugins = build_plugins();
    const std::string path = dir.path("model.h5");
    iris_like().save(path, plugins);
    const std::string bytes = bytes_of(path);
    BOOST_CHECK_EQUAL(bytes.substr(0, 16), "mlrun-h5-crc32c\n");
    // libhdf5 knows the block as the file's user block.
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    BOOST_REQUIRE(f >= 0);
    const hid_t creation = H5Fget_create_plist(f);
    hsize_t user_block = 0;
    H5Pget_userblock(creation, &user_block);
    H5Pclose(creation);
    H5Fclose(f);
    BOOST_CHECK_EQUAL(user_block, 512u);
    const kh::seal_state seal = kh::check_seal(path);
    BOOST_CHECK(seal.sealed);
    BOOST_CHECK_EQUAL(seal.covered, bytes.size() - 512);
    // h5dump reads it as any HDF5 file.
    FILE* dump = popen(("h5dump -A '" + path + "' 2>&1; echo exit=$?").c_str(), "r");
    BOOST_REQUIRE(dump != nullptr);
    std::string output;
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, dump)) > 0;) output.append(buffer, n);
    pclose(dump);
    BOOST_CHECK_MESSAGE(output.find("exit=0") != std::string::npos && output.find("ATTRIBUTE \"model_config\"") != std::string::npos,
                        output.substr(0, 2000));
    // The reader says what it checked.
    const kh::staged_checkpoint read = kh::read_keras_file(path);
    BOOST_REQUIRE(read.meta("file_checksum") != nullptr);
    BOOST_CHECK_EQUAL(*read.meta("file_checksum"), kh::describe(seal));
}

BOOST_AUTO_TEST_CASE(a_keras_file_has_no_checksum_block, *needs_interop_fixtures())
{
    BOOST_CHECK(!kh::check_seal(fixture("tf.keras2.10.0-iris/iris_model.h5")).sealed);
}

// Damage inside an attribute's name made model_config or training_config
// (which carries mlrun's own state) read as absent, silently. In a file
// mlrun wrote the checksum block catches it first.
BOOST_AUTO_TEST_CASE(a_flipped_attribute_name_in_a_file_mlrun_wrote_is_an_error)
{
    temp_dir dir;
    const plugin_registry plugins = build_plugins();
    const std::string path = dir.path("model.h5");
    iris_like().save(path, plugins);
    const std::string bytes = bytes_of(path);
    const std::size_t name = bytes.find("training_config");
    BOOST_REQUIRE(name != std::string::npos && bytes.find("training_config", name + 1) == std::string::npos);
    const std::string damaged = flipped_copy(path, dir.path("damaged.h5"), name + 3, 0);
    try {
        format_for_path(plugins, damaged).load(damaged);
        BOOST_ERROR("a flipped attribute name loaded without an error");
    } catch (const io_error& e) {
        const std::string what = e.what();
        BOOST_CHECK_MESSAGE(what.find(damaged + ": cannot open as hdf5: file changed after it was written: " +
                                      std::to_string(bytes.size() - 512) + " bytes after the checksum block, CRC32C 0x") !=
                                std::string::npos,
                            what);
    }
    // What the checksum guards against: read without it, the file loses its compile settings quietly.
    kh::h5_quiet quiet;
    const kh::staged_checkpoint unguarded = kh::read_keras_file_unguarded(damaged);
    BOOST_CHECK(unguarded.meta("optimizer_config") == nullptr);
    BOOST_CHECK(kh::read_keras_file_unguarded(path).meta("optimizer_config") != nullptr);
}

// A Keras file (no checksum block) damaged where libhdf5 1.10 crashes on it
// (one bit of a B-tree node; found by flipping every bit of the file) or
// loops on it: a clear error, and this process goes on.
BOOST_AUTO_TEST_CASE(a_keras_file_that_crashes_or_hangs_libhdf5_gives_a_clear_error, *needs_interop_fixtures())
{
    temp_dir dir;
    const plugin_registry plugins = build_plugins();
    const std::string source = fixture("tf.keras2.10.0-iris/iris_model.h5");
    const std::string crashing = flipped_copy(source, dir.path("crashing.h5"), 16134, 6);
    BOOST_REQUIRE_MESSAGE(unguarded_read_signal(crashing) == SIGSEGV, "the damage no longer crashes libhdf5");
    try {
        format_for_path(plugins, crashing).load(crashing);
        BOOST_ERROR("no error for " + crashing);
    } catch (const io_error& e) {
        const std::string what = e.what();
        BOOST_CHECK_MESSAGE(what.find(crashing + ": cannot open as hdf5: libhdf5 crashed (signal 11, Segmentation fault) "
                                                 "reading it in a separate process: the file is damaged") != std::string::npos,
                            what);
    }
    const std::string hanging = flipped_copy(source, dir.path("hanging.h5"), 871, 7);
    BOOST_REQUIRE_MESSAGE(unguarded_read_signal(hanging) == SIGALRM, "the damage no longer makes libhdf5 loop");
    try {
        kh::h5_quiet quiet;
        kh::read_keras_file(hanging, 1);
        BOOST_ERROR("no error for " + hanging);
    } catch (const kh::format_error& e) {
        BOOST_CHECK_EQUAL(std::string(e.what()),
                          "libhdf5 did not finish reading it in 1 s (in a separate process): the file is damaged");
    }
}

// Bits flipped across a whole Keras file (no checksum block, so nothing
// can tell a flipped weight from a trained one): every read ends, with
// the values or an error; libhdf5 crashing or looping on one ends only the
// child.
BOOST_AUTO_TEST_CASE(bits_flipped_across_a_keras_file_never_take_this_process_down, *needs_interop_fixtures())
{
    temp_dir dir;
    const std::string pristine = bytes_of(fixture("tf.keras2.10.0-iris/iris_model.h5"));
    const std::string path = dir.path("damaged.h5");
    const int flips = 200;
    int loaded = 0, refused = 0, crashed = 0, hung = 0;
    kh::h5_quiet quiet;
    for (int i = 0; i < flips; ++i) {
        const std::size_t offset = pristine.size() * static_cast<std::size_t>(i) / flips;
        std::string bytes = pristine;
        bytes[offset] = static_cast<char>(bytes[offset] ^ (1 << (i % 8)));
        write_file(path, bytes);
        try {
            kh::read_keras_file(path, 2);
            ++loaded;
        } catch (const kh::format_error& e) {
            const std::string what = e.what();
            if (what.find("libhdf5 crashed") != std::string::npos) ++crashed;
            else if (what.find("did not finish") != std::string::npos) ++hung;
            else ++refused;
        }
    }
    BOOST_TEST_MESSAGE(flips << " flips: " << loaded << " loaded, " << refused << " refused by the reader, " << crashed
                             << " crashed libhdf5 and " << hung << " hung it in the child");
    BOOST_CHECK_EQUAL(loaded + refused + crashed + hung, flips);
    BOOST_CHECK(refused > 0);
}

BOOST_AUTO_TEST_SUITE_END()
