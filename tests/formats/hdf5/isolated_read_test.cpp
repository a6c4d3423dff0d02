// The isolated first read of a file from elsewhere runs in a fresh process
// (the helper mlrun-hdf5-probe), never in a fork of this one: a fork of a
// process whose other threads hold locks (libhdf5's global lock, malloc's,
// the OpenMP runtime's) inherits them held by threads it does not have.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "h5_io.hpp"
#include "isolated_read.hpp"
#include "keras_files.hpp"
#include "probe_protocol.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <thread>

using namespace mlrun;
using namespace mlrun::testing;
namespace kh = mlrun::keras_h5;

namespace {

// A model mlrun wrote, with its checksum block cleared: it reads as a Keras
// file from elsewhere, so the reader isolates its first read.
std::string foreign_model(const temp_dir& dir)
{
    const std::string path = dir.path("foreign.h5");
    iris_like().save(path, build_plugins());
    clear_checksum_block(path);
    return path;
}

// The helper of this build tree.
std::string build_tree_helper()
{
    return fs::weakly_canonical(fs::path(environment("MLRUN_BINARY_DIR")) / "libexec/mlrun/mlrun-hdf5-probe").string();
}

// Sets the helper's test fault (probe_protocol.hpp) while it lives.
struct helper_fault {
    explicit helper_fault(const char* fault) { setenv(kh::probe::test_fault_variable, fault, 1); }
    ~helper_fault() { unsetenv(kh::probe::test_fault_variable); }
    helper_fault(const helper_fault&) = delete;
    helper_fault& operator=(const helper_fault&) = delete;
};

// How the isolated read of `bytes` as model.h5 ends: "" when it returns,
// else the format_error's message.
std::string outcome_of(const std::vector<unsigned char>& bytes, unsigned seconds = 5)
{
    try {
        kh::read_in_separate_process(bytes, "model.h5", seconds);
        return "";
    } catch (const kh::format_error& e) {
        return e.what();
    }
}

std::vector<unsigned char> file_bytes(const std::string& path)
{
    const std::string bytes = bytes_of(path);
    return std::vector<unsigned char>(bytes.begin(), bytes.end());
}

// The message `load` of `path` fails with, or "" when it loads.
std::string load_error(const plugin_registry& plugins, const std::string& path, const format_options& options = {})
{
    try {
        format_for_path(plugins, path).load(path, options);
        return "";
    } catch (const io_error& e) {
        return e.what();
    }
}

std::string executable_of(pid_t pid)
{
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
    return ec ? "" : exe.string();
}

// The session of `pid` (field 6 of /proc/PID/stat), or -1 once it is gone.
long session_of(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::size_t name_end = stat.rfind(')');
    if (name_end == std::string::npos) return -1;
    std::istringstream fields(stat.substr(name_end + 2));
    std::string state;
    long parent = 0, group = 0, session = -1;
    fields >> state >> parent >> group >> session;
    return session;
}

// The children the main thread has now (started by it, not yet reaped).
std::vector<pid_t> children_of_main_thread()
{
    const std::string self = std::to_string(getpid());
    std::ifstream in("/proc/" + self + "/task/" + self + "/children");
    std::vector<pid_t> pids;
    for (pid_t pid; in >> pid;) pids.push_back(pid);
    return pids;
}

// What the lock holder saw of the main thread's children meanwhile: each
// one's executable, and the sessions of those running the helper (read
// after the executable: a child is in this session until it has set up
// its own, just before exec).
struct children_seen {
    std::string helper;
    std::set<std::string> executables;
    std::set<long> helper_sessions;
    bool came_and_went = false;
};

herr_t hold_the_lock(hid_t, const char*, const H5L_info_t*, void* data)
{
    auto* watch = static_cast<std::pair<std::promise<void>, children_seen>*>(data);
    watch->first.set_value();
    // Inside this callback libhdf5 holds its global lock (the library is
    // built thread-safe): until a child of the main thread has come and
    // gone, or 60 s at most, so a deadlocked child cannot hang the test.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    bool seen = false;
    while (std::chrono::steady_clock::now() < give_up) {
        const std::vector<pid_t> children = children_of_main_thread();
        for (pid_t pid : children) {
            seen = true;
            const std::string exe = executable_of(pid);
            if (exe.empty()) continue;
            watch->second.executables.insert(exe);
            const long session = exe == watch->second.helper ? session_of(pid) : -1;
            if (session >= 0) watch->second.helper_sessions.insert(session);
        }
        if (seen && children.empty()) {
            watch->second.came_and_went = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hdf5_isolated_read)

// Another thread sits inside libhdf5 (an iteration callback) while the
// reader isolates its first read of a foreign file. A forked child would
// wait for that lock for ever and end in the time limit; the helper, a
// fresh process in its own session, reads the file, and the read in this
// process goes on once the other thread has left libhdf5.
BOOST_AUTO_TEST_CASE(the_first_read_runs_in_the_helper_while_another_thread_holds_libhdf5s_lock)
{
    hbool_t thread_safe = 0;
    H5is_library_threadsafe(&thread_safe);
    BOOST_REQUIRE_MESSAGE(thread_safe, "libhdf5 is not built thread-safe: it has no global lock to hold");
    const std::string self = std::to_string(getpid());
    BOOST_REQUIRE_MESSAGE(fs::exists("/proc/" + self + "/task/" + self + "/children"),
                          "the kernel does not list a thread's children in /proc");
    temp_dir dir;
    const std::string path = foreign_model(dir);

    const hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_core(access, 4096, 0);
    const hid_t scratch = H5Fcreate("lock-holder.h5", H5F_ACC_TRUNC, H5P_DEFAULT, access);
    BOOST_REQUIRE(scratch >= 0);
    H5Gclose(H5Gcreate2(scratch, "group", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    std::pair<std::promise<void>, children_seen> watch;
    watch.second.helper = build_tree_helper();
    std::future<void> inside = watch.first.get_future();
    std::thread holder([&] { H5Literate(scratch, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, hold_the_lock, &watch); });
    inside.wait();

    std::string outcome = "read";
    try {
        // No h5_quiet here: it would wait for the lock itself.
        kh::read_keras_file(path, 10);
    } catch (const kh::format_error& e) {
        outcome = e.what();
    }
    holder.join();
    H5Fclose(scratch);
    H5Pclose(access);

    BOOST_CHECK_EQUAL(outcome, "read");
    BOOST_CHECK(watch.second.came_and_went);
    const std::string& helper = watch.second.helper;
    BOOST_CHECK_MESSAGE(watch.second.executables.count(helper) == 1, "no child ran " + helper);
    BOOST_CHECK_MESSAGE(watch.second.helper_sessions.count(getsid(0)) == 0, "the helper ran in this process's session");
}

BOOST_AUTO_TEST_CASE(the_helper_says_how_the_read_ended)
{
    temp_dir dir;
    const std::vector<unsigned char> foreign = file_bytes(foreign_model(dir));
    BOOST_CHECK_EQUAL(outcome_of(foreign), "");
    // The reader's clear error there is the error here, as it was.
    const std::vector<unsigned char> not_hdf5 = {'n', 'o', 't', ' ', 'h', 'd', 'f', '5'};
    std::string in_process;
    try {
        kh::read_keras_bytes(not_hdf5, "model.h5");
    } catch (const kh::format_error& e) {
        in_process = e.what();
    }
    BOOST_CHECK(!in_process.empty());
    BOOST_CHECK_EQUAL(outcome_of(not_hdf5), in_process);
    {
        const helper_fault fault("abort");
        const std::string aborted = outcome_of(foreign);
        BOOST_CHECK_EQUAL(aborted, "libhdf5 crashed (signal 6, Aborted) reading it in a separate process: the file is damaged");
    }
    {
        const helper_fault fault("segfault");
        const std::string segv = outcome_of(foreign);
        BOOST_CHECK_MESSAGE(segv.find("(signal 11, Segmentation fault)") != std::string::npos, segv);
        // Whatever this host ignores or blocks, a crash there ends the helper.
        struct sigaction previous {};
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGSEGV, &ignore, &previous);
        const std::string ignored = outcome_of(foreign);
        sigaction(SIGSEGV, &previous, nullptr);
        BOOST_CHECK_MESSAGE(ignored.find("(signal 11, Segmentation fault)") != std::string::npos, ignored);
        sigset_t segv_only, before;
        sigemptyset(&segv_only);
        sigaddset(&segv_only, SIGSEGV);
        pthread_sigmask(SIG_BLOCK, &segv_only, &before);
        const std::string blocked = outcome_of(foreign);
        pthread_sigmask(SIG_SETMASK, &before, nullptr);
        BOOST_CHECK_MESSAGE(blocked.find("(signal 11, Segmentation fault)") != std::string::npos, blocked);
    }
    {
        const helper_fault fault("hang");
        const auto start = std::chrono::steady_clock::now();
        BOOST_CHECK_EQUAL(outcome_of(foreign, 1),
                          "libhdf5 did not finish reading it in 1 s (in a separate process): the file is damaged");
        // Killed at the limit, not later: 1 s plus what starting and killing a process costs on a busy machine.
        BOOST_CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    }
    {
        // A sanitizer ends a process with status 1 after its report.
        const helper_fault fault("exit");
        BOOST_CHECK_EQUAL(outcome_of(foreign),
                          "the process reading it ended with status 1 (a fatal error inside libhdf5): the file is damaged");
    }
}

// Through the plugin, as `mlrun` loads a model: the error names the file.
BOOST_AUTO_TEST_CASE(a_crash_or_hang_in_the_helper_is_an_error_naming_the_file)
{
    temp_dir dir;
    const std::string path = foreign_model(dir);
    const plugin_registry plugins = build_plugins();
    {
        const helper_fault fault("segfault");
        BOOST_CHECK_EQUAL(load_error(plugins, path),
                          path + ": cannot open as hdf5: libhdf5 crashed (signal 11, Segmentation fault) reading it in a "
                                 "separate process: the file is damaged");
    }
    {
        const helper_fault fault("hang");
        BOOST_CHECK_EQUAL(load_error(plugins, path, {{"read_timeout", "1"}}),
                          path + ": cannot open as hdf5: libhdf5 did not finish reading it in 1 s (in a separate "
                                 "process): the file is damaged");
    }
    BOOST_CHECK_EQUAL(load_error(plugins, path), "");
}

// This executable links the reader: its helper is bin/../libexec/mlrun.
BOOST_AUTO_TEST_CASE(the_helper_is_found_beside_the_code_that_starts_it)
{
    BOOST_CHECK_EQUAL(kh::probe_executable(), build_tree_helper());
    BOOST_CHECK(fs::is_regular_file(build_tree_helper()));
}

// A copy of the plugin in a prefix of its own looks for the helper in that
// prefix's libexec/mlrun, not in the build tree nor through PATH; missing,
// the error names where it looked.
BOOST_AUTO_TEST_CASE(the_plugin_finds_its_helper_relative_to_its_own_file)
{
    temp_dir dir;
    const std::string path = foreign_model(dir);
    const fs::path prefix = fs::canonical(dir.dir) / "prefix";
    fs::create_directories(prefix / "lib/mlrun/plugins");
    fs::copy_file(fs::path(environment("MLRUN_BINARY_DIR")) / "lib/mlrun/plugins/libmlrun_format_hdf5.so",
                  prefix / "lib/mlrun/plugins/libmlrun_format_hdf5.so");
    const plugin_registry plugins(std::vector<boost::filesystem::path>{(prefix / "lib/mlrun/plugins").string()});
    const fs::path helper = prefix / "libexec/mlrun/mlrun-hdf5-probe";
    BOOST_CHECK_EQUAL(load_error(plugins, path), path + ": cannot open as hdf5: cannot start a process to read the file "
                                                        "safely: " + helper.string() + ": No such file or directory");
    fs::create_directories(helper.parent_path());
    fs::copy_file(build_tree_helper(), helper);
    BOOST_CHECK_EQUAL(load_error(plugins, path), "");
}

BOOST_AUTO_TEST_SUITE_END()
