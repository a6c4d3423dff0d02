// Named instants at which a test can have the process killed, to prove
// that a kill there loses nothing: with MLRUN_FAILPOINT=NAME@N in the
// environment, reaching failpoint("NAME") for the N-th time (the first
// when @N is left out) sends the process SIGKILL, as a power cut or the
// kernel's out-of-memory killer would. Without the variable it is one
// getenv call. Header-only, so plugins can mark their own instants (the
// TensorFlow format between its two renames).
#pragma once

#include <signal.h>

#include <cstdlib>
#include <cstring>

namespace mlrun {

inline void failpoint(const char* name)
{
    const char* armed = std::getenv("MLRUN_FAILPOINT");
    if (armed == nullptr) return;
    const std::size_t length = std::strlen(name);
    if (std::strncmp(armed, name, length) != 0 || (armed[length] != '\0' && armed[length] != '@')) return;
    const long wanted = armed[length] == '@' ? std::strtol(armed + length + 1, nullptr, 10) : 1;
    static long reached = 0;  // one armed name per process, so one count
    if (++reached == wanted) ::raise(SIGKILL);
}

}  // namespace mlrun
