// Reads the "threads" options a backend's create() receives.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace mlrun::backend_shared {

// The value of "threads" in `options`, or `fallback` when it is absent.
// Returns false, with `error` saying why, when the value is not a whole
// number from 1 to 1024.
inline bool thread_option(const mlrun_option* options, size_t count, int fallback, int& threads,
                          std::string& error)
{
    threads = fallback;
    for (size_t i = 0; i < count; ++i) {
        if (options[i].key == nullptr || std::strcmp(options[i].key, "threads") != 0) continue;
        const char* text = options[i].value != nullptr ? options[i].value : "";
        char* end = nullptr;
        errno = 0;
        const long value = std::strtol(text, &end, 10);
        if (errno != 0 || end == text || *end != '\0' || value < 1 || value > 1024) {
            error = std::string("option threads: expected a whole number from 1 to 1024, found '") + text + "'";
            return false;
        }
        threads = static_cast<int>(value);
    }
    return true;
}

// Whether the host chose "threads" itself ("threads_default": "1", sent
// for backend.threads: 0), so that the backend may run fewer where that is
// faster; a count the experiment set is kept as given.
inline bool threads_are_default(const mlrun_option* options, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        if (options[i].key != nullptr && std::strcmp(options[i].key, "threads_default") == 0) {
            return options[i].value != nullptr && std::strcmp(options[i].value, "1") == 0;
        }
    }
    return false;
}

}  // namespace mlrun::backend_shared
