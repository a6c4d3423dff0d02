// mlrun-hdf5-probe: the separate process in which the hdf5 plugin first
// reads a Keras file from elsewhere (isolated_read.hpp). It reads the
// snapshot it is handed, with the plugin's own reader, and says how that
// ended (probe_protocol.hpp). Started by the plugin, not by hand.
#include "h5_io.hpp"
#include "keras_files.hpp"
#include "probe_protocol.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

namespace kh = mlrun::keras_h5;
namespace probe = mlrun::keras_h5::probe;

namespace {

void send_message(const std::string& message)
{
    // A few hundred bytes: far below what a pipe holds, so this never blocks.
    const std::string text = message.substr(0, 3500);
    std::size_t sent = 0;
    while (sent < text.size()) {
        const ssize_t n = ::write(probe::message_fd, text.data() + sent, text.size() - sent);
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

// The tests' stand-in for a file that crashes or hangs libhdf5 (probe_protocol.hpp).
void act_out_test_fault()
{
    const char* value = std::getenv(probe::test_fault_variable);
    if (value == nullptr) return;
    const std::string fault = value;
    if (fault == "segfault") {
        std::raise(SIGSEGV);
        return;  // reached only if SIGSEGV were ignored or blocked here, which the parent prevents
    }
    if (fault == "abort") std::abort();
    if (fault == "hang") {
        for (;;) ::pause();
    }
    if (fault == "exit") ::_exit(1);
    throw kh::format_error(std::string(probe::test_fault_variable) + ": unknown fault '" + fault +
                           "' (known: segfault, abort, hang, exit)");
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 3) {
        std::fputs("mlrun-hdf5-probe: started by mlrun's hdf5 plugin to read a file, not by hand\n", stderr);
        return 2;
    }
    // Ends with the parent: killed if it dies, and gone at once if it died
    // before this line.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (std::to_string(::getppid()) != argv[2]) return 2;
    // A sanitizer runtime (the sanitizer and fuzz builds) catches crash
    // signals to report them and exit; the parent names the signal instead.
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) std::signal(sig, SIG_DFL);
    int code = probe::read_returned;
    try {
        const std::vector<unsigned char> bytes = kh::read_descriptor(probe::snapshot_fd);
        ::close(probe::snapshot_fd);
        act_out_test_fault();
        kh::h5_quiet quiet;
        kh::read_keras_bytes(bytes, argv[1]);
    } catch (const std::bad_alloc&) {
        send_message("out of memory");
        code = probe::read_threw;
    } catch (const std::exception& e) {
        send_message(e.what());
        code = probe::read_threw;
    }
    // No atexit handlers or static destructors: libhdf5's clean-up after a
    // damaged file could still crash once the outcome is decided.
    ::_exit(code);
}
