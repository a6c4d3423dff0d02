// probe_plugin: the parent's side of loading a plugin in a child first.
// posix_spawn, not fork: the process may already run OpenMP or OpenBLAS
// threads, and a forked copy of it would hold their locks.
#include "mlrun/plugin/plugin_loader.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/filesystem/operations.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

constexpr int report_fd = 3;          // where the helper writes its one line
constexpr double default_timeout = 10.0;
constexpr std::size_t max_report = 4096;  // one line; more is noise

// The helper sits next to the mlrun executable: <libdir>/../bin, in the
// build tree and an installed tree alike, whichever program uses libmlrun.
fs::path probe_helper()
{
    boost::system::error_code ec;
    const fs::path library = boost::dll::this_line_location(ec);
    if (ec) return {};
    return library.parent_path().parent_path() / "bin" / "mlrun-plugin-probe";
}

// Seconds from MLRUN_PLUGIN_PROBE_TIMEOUT; 0 when it is set but not a
// positive number.
double probe_timeout()
{
    const char* text = std::getenv("MLRUN_PLUGIN_PROBE_TIMEOUT");
    if (text == nullptr || *text == '\0') return default_timeout;
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    return *end == '\0' && std::isfinite(seconds) && seconds > 0 ? seconds : 0.0;
}

std::string seconds_text(double seconds)
{
    std::ostringstream out;
    out << seconds;
    return out.str();
}

std::string signal_text(int signal)
{
    const char* abbreviation = ::sigabbrev_np(signal);
    const char* description = ::strsignal(signal);
    return "signal " + (abbreviation != nullptr ? "SIG" + std::string(abbreviation) : std::to_string(signal)) +
           (description != nullptr ? " (" + std::string(description) + ")" : "");
}

// The child's view of the world: its report on fd 3, nothing to read,
// stdout discarded (a plugin's chatter must not mix into a command's
// output), stderr shared, default signal handling, no blocked signals.
struct spawn_setup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attributes{};

    explicit spawn_setup(int write_end)
    {
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, write_end, report_fd);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawnattr_init(&attributes);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        for (const int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
            sigaddset(&defaults, s);
        }
        posix_spawnattr_setsigmask(&attributes, &none);
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    }
    ~spawn_setup()
    {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    spawn_setup(const spawn_setup&) = delete;
    spawn_setup& operator=(const spawn_setup&) = delete;
};

struct child_outcome {
    std::string report;
    int status = 0;
    bool timed_out = false;
};

// Collects the child's report until it exits or the deadline passes (then
// it is killed). A grandchild keeping the pipe open does not hold us up:
// once the child has exited, only what is already there is read.
child_outcome wait_for_child(pid_t child, int read_end, double timeout)
{
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(timeout));
    child_outcome outcome;
    bool exited = false;
    bool end_of_report = false;
    for (;;) {
        if (!exited && ::waitpid(child, &outcome.status, WNOHANG) == child) exited = true;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (!exited && left <= 0) {
            ::kill(child, SIGKILL);
            while (::waitpid(child, &outcome.status, 0) < 0 && errno == EINTR) {}
            outcome.timed_out = true;
            return outcome;
        }
        const int wait_ms = exited ? 0 : static_cast<int>(std::min<long long>(left, 20));
        if (end_of_report) {
            if (exited) return outcome;
            ::poll(nullptr, 0, std::min(wait_ms, 2));
            continue;
        }
        pollfd readable{read_end, POLLIN, 0};
        const int ready = ::poll(&readable, 1, wait_ms);
        if (ready > 0) {
            char buffer[512];
            const ssize_t n = ::read(read_end, buffer, sizeof buffer);
            if (n > 0 && outcome.report.size() < max_report) outcome.report.append(buffer, static_cast<std::size_t>(n));
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) end_of_report = true;
        } else if (exited) {
            return outcome;  // exited, and nothing more is waiting in the pipe
        }
    }
}

}  // namespace

std::string probe_plugin(const fs::path& file)
{
    const double timeout = probe_timeout();
    if (timeout <= 0) {
        return std::string("cannot probe it: MLRUN_PLUGIN_PROBE_TIMEOUT is '") + std::getenv("MLRUN_PLUGIN_PROBE_TIMEOUT") +
               "'; expected a number of seconds above 0";
    }
    const fs::path helper = probe_helper();
    boost::system::error_code ec;
    if (helper.empty() || !fs::is_regular_file(helper, ec)) {
        return "cannot probe it: the helper '" + helper.string() +
               "' is missing (it is installed next to the mlrun executable)";
    }
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) return std::string("cannot probe it: pipe: ") + std::strerror(errno);
    int write_end = pipe_ends[1];
    if (write_end == report_fd) {
        // dup2 onto itself would keep close-on-exec set; move it out of the way first.
        write_end = ::fcntl(pipe_ends[1], F_DUPFD_CLOEXEC, report_fd + 1);
        ::close(pipe_ends[1]);
    }
    const std::string helper_path = helper.string();
    const std::string file_path = file.string();
    char* argv[] = {const_cast<char*>(helper_path.c_str()), const_cast<char*>(file_path.c_str()), nullptr};
    pid_t child = -1;
    int spawned = 0;
    {
        spawn_setup setup(write_end);
        spawned = ::posix_spawn(&child, helper_path.c_str(), &setup.actions, &setup.attributes, argv, environ);
    }
    ::close(write_end);
    if (spawned != 0) {
        ::close(pipe_ends[0]);
        return "cannot probe it: cannot start '" + helper_path + "': " + std::strerror(spawned);
    }
    const child_outcome outcome = wait_for_child(child, pipe_ends[0], timeout);
    ::close(pipe_ends[0]);

    if (outcome.timed_out) return "did not finish loading within " + seconds_text(timeout) + " s (the probe was killed)";
    if (WIFSIGNALED(outcome.status)) return "crashed while loading: " + signal_text(WTERMSIG(outcome.status));
    const int status = WIFEXITED(outcome.status) ? WEXITSTATUS(outcome.status) : -1;
    if (status == 0 && outcome.report == "ok\n") return "";
    const std::string error_prefix = "error: ";
    if (outcome.report.rfind(error_prefix, 0) == 0 && outcome.report.back() == '\n') {
        return outcome.report.substr(error_prefix.size(), outcome.report.size() - error_prefix.size() - 1);
    }
    return "exited with status " + std::to_string(status) + " while loading, before it reported success";
}

}  // namespace mlrun
