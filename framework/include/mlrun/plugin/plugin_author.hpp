// Helpers for writing a plugin: the export macro and an exception guard.
//
// Header-only and free of host symbols, so a plugin built with it needs
// nothing from the mlrun executable at load time.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <boost/dll/alias.hpp>

#include <exception>
#include <new>
#include <string>

// Exports `function` (an mlrun_plugin_entry_fn) as the plugin's entry, in
// the section the host scans without running any of the library's code.
#define MLRUN_PLUGIN_EXPORT(function) \
    BOOST_DLL_ALIAS_SECTIONED(function, mlrun_plugin_entry, mlrun)

namespace mlrun::plugin_author {

// Runs `body` (returning mlrun_status) and turns any exception into a status
// plus a message stored in `error`, since exceptions must not cross the ABI.
template <class Body>
mlrun_status guarded(std::string& error, Body&& body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc&) {
        error = "out of memory";
        return MLRUN_STATUS_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        error = e.what();
        return MLRUN_STATUS_INTERNAL;
    } catch (...) {
        error = "unknown exception";
        return MLRUN_STATUS_INTERNAL;
    }
}

}  // namespace mlrun::plugin_author
