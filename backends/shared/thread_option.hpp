// Reads the "threads" option a backend's create() receives.
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

}  // namespace mlrun::backend_shared
