// The format plugin linked into this fuzzer (its entry source is part of
// the target), reached exactly as the host reaches a loaded plugin: the
// exported entry gives the descriptor, and mlrun::format drives its table.
#pragma once

#include "mlrun/abi/mlrun_abi.h"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/version.hpp"

#include <cstdint>

// MLRUN_PLUGIN_EXPORT's alias: the entry function's address.
extern "C" const void* mlrun_plugin_entry;

namespace mlrun::fuzz {

inline const format& linked_format()
{
    static const format f = [] {
        const mlrun_host_info host{sizeof(mlrun_host_info), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_VERSION};
        const auto entry = reinterpret_cast<mlrun_plugin_entry_fn>(reinterpret_cast<std::intptr_t>(mlrun_plugin_entry));
        const mlrun_plugin_descriptor* d = entry(&host);
        return format(linked_plugin_record(*d, "linked into the fuzzer"));
    }();
    return f;
}

}  // namespace mlrun::fuzz
