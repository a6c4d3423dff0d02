#include "isolated_read.hpp"

#include "h5_io.hpp"
#include "probe_protocol.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string>

extern char** environ;

namespace mlrun::keras_h5 {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

class unique_fd {
public:
    explicit unique_fd(int fd = -1) : fd_(fd) {}
    ~unique_fd() { reset(); }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    unique_fd(unique_fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

    int get() const { return fd_; }
    void reset()
    {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_;
};

[[noreturn]] void cannot_start(const std::string& why)
{
    throw format_error("cannot start a process to read the file safely: " + why);
}

std::string error_text(int error) { return std::strerror(error); }

// `fd` moved to probe::first_free_fd or above, still close-on-exec: only
// the helper gets it, through its file actions.
unique_fd moved_up(int fd, const std::string& what)
{
    if (fd < 0) cannot_start(what + ": " + error_text(errno));
    const unique_fd original(fd);
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, probe::first_free_fd);
    if (moved < 0) cannot_start(what + ": " + error_text(errno));
    return unique_fd(moved);
}

// The bytes in a sealed memfd: the helper reads exactly what this process
// checked and reads itself, and nothing can change them meanwhile.
unique_fd snapshot_for_helper(const std::vector<unsigned char>& bytes)
{
    unique_fd fd = moved_up(::memfd_create("mlrun-hdf5-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING), "memfd_create");
    std::size_t written = 0;
    while (written < bytes.size()) {
        // pwrite: the offset, which the helper's descriptor shares, stays at the start.
        const ssize_t n = ::pwrite(fd.get(), bytes.data() + written, bytes.size() - written, static_cast<off_t>(written));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) cannot_start("copying the file's bytes for it: " + error_text(n < 0 ? errno : ENOSPC));
        written += static_cast<std::size_t>(n);
    }
    if (::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        cannot_start("sealing the file's bytes: " + error_text(errno));
    }
    return fd;
}

// The helper while it runs; killed and reaped if the caller leaves early.
class helper_process {
public:
    explicit helper_process(pid_t pid) : pid_(pid) {}
    ~helper_process()
    {
        if (pid_ > 0) {
            kill();
            reap();
        }
    }
    helper_process(const helper_process&) = delete;
    helper_process& operator=(const helper_process&) = delete;

    void kill() { ::kill(pid_, SIGKILL); }
    // Its wait status, once it has ended.
    int wait()
    {
        const int status = reap();
        if (status < 0) throw format_error("lost the process reading the file: " + error_text(errno));
        return status;
    }

private:
    // The wait status, or -1 with errno set.
    int reap() noexcept
    {
        int status = 0;
        pid_t got;
        while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return got < 0 ? -1 : status;
    }

    pid_t pid_;
};

// Starts the helper on `snapshot` with `message` as its message pipe, in a
// session of its own (a terminal's Ctrl-C and its /dev/tty stay this
// process's), every signal at its default action and none blocked
// (whatever handlers this host installed, or ignores, a crash there ends
// it), output to /dev/null (glibc's "free(): invalid pointer", a sanitizer
// report: the error says it instead), no other descriptor of this process.
pid_t start_helper(const std::string& helper, const std::string& path, int snapshot, int message)
{
    struct spawn_settings {
        posix_spawn_file_actions_t actions;
        posix_spawnattr_t attributes;
        spawn_settings()
        {
            posix_spawn_file_actions_init(&actions);
            posix_spawnattr_init(&attributes);
        }
        ~spawn_settings()
        {
            posix_spawn_file_actions_destroy(&actions);
            posix_spawnattr_destroy(&attributes);
        }
        spawn_settings(const spawn_settings&) = delete;
        spawn_settings& operator=(const spawn_settings&) = delete;
    } settings;
    posix_spawn_file_actions_addopen(&settings.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&settings.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&settings.actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&settings.actions, snapshot, probe::snapshot_fd);
    posix_spawn_file_actions_adddup2(&settings.actions, message, probe::message_fd);
    posix_spawn_file_actions_addclosefrom_np(&settings.actions, probe::first_free_fd);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&settings.attributes, &all);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&settings.attributes, &none);
    posix_spawnattr_setflags(&settings.attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSID);

    std::string parent = std::to_string(::getpid());
    std::string name = path;
    std::string program = helper;
    char* argv[] = {program.data(), name.data(), parent.data(), nullptr};
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, helper.c_str(), &settings.actions, &settings.attributes, argv, environ);
    if (error != 0) cannot_start(helper + ": " + error_text(error));
    return pid;
}

// Collects what the helper writes to `fd` until it has closed its end (it
// exits) or `deadline` has passed. Returns whether it closed in time.
bool read_until_closed(int fd, std::string& message, clock::time_point deadline)
{
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) return false;
        pollfd ready{fd, POLLIN, 0};
        const int n = ::poll(&ready, 1, static_cast<int>(std::min<long long>(left, INT_MAX)));
        if (n < 0 && errno != EINTR) throw format_error("lost the process reading the file: " + error_text(errno));
        if (n <= 0) continue;
        char buffer[4096];
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return true;
        // A few hundred bytes in practice; anything past a screenful is noise.
        if (message.size() < 3500) message.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace

std::string probe_executable()
{
    Dl_info info{};
    link_map* object = nullptr;
    if (::dladdr1(reinterpret_cast<void*>(&probe_executable), &info, reinterpret_cast<void**>(&object),
                  RTLD_DL_LINKMAP) == 0 ||
        object == nullptr) {
        cannot_start("cannot tell which file holds the hdf5 reader");
    }
    // The main program's link map has no name; /proc/self/exe is its file.
    const bool in_executable = object->l_name == nullptr || object->l_name[0] == '\0';
    const fs::path holder = in_executable ? fs::path("/proc/self/exe") : fs::path(object->l_name);
    std::error_code ec;
    // The real file, through any symlink: the helper lives beside the plugin itself.
    const fs::path file = fs::canonical(holder, ec);
    if (ec) cannot_start("cannot find the file holding the hdf5 reader (" + holder.string() + "): " + ec.message());
    const char* relative = in_executable ? probe::from_bin_dir : probe::from_plugin_dir;
    return (file.parent_path() / relative).lexically_normal().string();
}

void read_in_separate_process(const std::vector<unsigned char>& bytes, const std::string& path, unsigned seconds)
{
    const std::string helper = probe_executable();
    unique_fd snapshot = snapshot_for_helper(bytes);
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) cannot_start("pipe: " + error_text(errno));
    const unique_fd message_read(ends[0]);
    unique_fd message_write = moved_up(ends[1], "pipe");

    const clock::time_point deadline = clock::now() + std::chrono::seconds(seconds);
    helper_process child(start_helper(helper, path, snapshot.get(), message_write.get()));
    // Only the helper holds the write end now: the pipe closes when it
    // exits. And the memfd's pages go once the helper has read them.
    message_write.reset();
    snapshot.reset();
    std::string message;
    const bool ended = read_until_closed(message_read.get(), message, deadline);
    if (!ended) child.kill();
    const int status = child.wait();

    if (WIFEXITED(status) && WEXITSTATUS(status) == probe::read_returned) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == probe::read_threw) throw format_error(message);
    if (!ended && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
        throw format_error("libhdf5 did not finish reading it in " + std::to_string(seconds) +
                           " s (in a separate process): the file is damaged");
    }
    if (WIFSIGNALED(status)) {
        throw format_error("libhdf5 crashed (signal " + std::to_string(WTERMSIG(status)) + ", " +
                           strsignal(WTERMSIG(status)) + ") reading it in a separate process: the file is damaged");
    }
    throw format_error("the process reading it ended with status " + std::to_string(WEXITSTATUS(status)) +
                       " (a fatal error inside libhdf5): the file is damaged");
}

}  // namespace mlrun::keras_h5
