#include "isolated_read.hpp"

#include "h5_io.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <string>

// Set by a sanitizer runtime (and so by a fuzzer built on one) when linked
// in; absent otherwise.
extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace mlrun::keras_h5 {
namespace {

// The child's exit codes. Anything else (a sanitizer exits with 1 after
// its report) counts as a crash.
constexpr int read_returned = 0;
constexpr int read_threw = 86;

// Hands the reader's error message to the parent (a few hundred bytes:
// far below what a pipe holds, so the write never blocks).
void send_message(int fd, const std::string& message)
{
    const std::string text = message.substr(0, 3500);
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = ::write(fd, text.data() + sent, text.size() - sent);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

std::string receive_message(int fd)
{
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

struct pipe_ends {
    int read = -1;
    int write = -1;
    ~pipe_ends()
    {
        if (read >= 0) ::close(read);
        if (write >= 0) ::close(write);
    }
};

[[noreturn]] void child(const std::function<void()>& read, unsigned seconds, int message_fd)
{
    // Whatever the host installed (training's SIGTERM handling, a fuzzer's
    // or a sanitizer's crash handlers and death callback) must not act in
    // here: a crash ends this process with the default action, which the
    // parent sees in the exit status, and nothing reports it as the
    // parent's own crash.
    if (__sanitizer_set_death_callback != nullptr) __sanitizer_set_death_callback(nullptr);
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGALRM, SIGXCPU, SIGPIPE}) {
        std::signal(sig, SIG_DFL);
    }
    // A Ctrl-C reaches the whole process group: the parent decides what it
    // means; the child finishes, or dies with the parent.
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) std::signal(sig, SIG_IGN);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // glibc's "free(): invalid pointer", a sanitizer report: the parent's
    // error says it instead.
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) {
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
    }
    ::alarm(seconds);
    int code = read_returned;
    try {
        read();
    } catch (const std::bad_alloc&) {
        send_message(message_fd, "out of memory");
        code = read_threw;
    } catch (const std::exception& e) {
        send_message(message_fd, e.what());
        code = read_threw;
    } catch (...) {
        send_message(message_fd, "unknown exception");
        code = read_threw;
    }
    // No atexit handlers, no static destructors, no flushing of the
    // parent's buffered output: only this read ran here.
    ::_exit(code);
}

}  // namespace

void read_in_child(const std::function<void()>& read, unsigned seconds)
{
    pipe_ends message;
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) {
        throw format_error(std::string("cannot start a process to read the file safely: ") + std::strerror(errno));
    }
    message.read = ends[0];
    message.write = ends[1];
    const pid_t pid = ::fork();
    if (pid < 0) throw format_error(std::string("cannot start a process to read the file safely: ") + std::strerror(errno));
    if (pid == 0) child(read, seconds, message.write);
    ::close(message.write);
    message.write = -1;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw format_error(std::string("lost the process reading the file: ") + std::strerror(errno));
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == read_returned) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == read_threw) throw format_error(receive_message(message.read));
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
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
