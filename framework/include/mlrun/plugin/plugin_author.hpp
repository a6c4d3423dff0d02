// Helpers for writing a plugin: the export macro and an exception guard.
//
// Header-only and free of host symbols, so a plugin built with it needs
// nothing from the mlrun executable at load time.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <boost/dll/alias.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

// Exports `function` (an mlrun_plugin_entry_fn) as the plugin's entry, in
// the section the host scans without running any of the library's code.
#define MLRUN_PLUGIN_EXPORT(function) \
    BOOST_DLL_ALIAS_SECTIONED(function, mlrun_plugin_entry, mlrun)

// The descriptor and exported entry of a plugin of `kind` whose table is
// `table`, both in namespace `space` (inside an unnamed one);
// MLRUN_FORMAT_PLUGIN and MLRUN_BACKEND_PLUGIN write them with this.
#define MLRUN_PLUGIN_DESCRIPTOR(space, kind, table, name, version, description)                                  \
    namespace {                                                                                                    \
    namespace space {                                                                                              \
    const mlrun_plugin_descriptor descriptor = {                                                                   \
        sizeof(mlrun_plugin_descriptor), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, kind, name, version, description,      \
        &table};                                                                                                   \
    const mlrun_plugin_descriptor* entry(const mlrun_host_info* host)                                              \
    {                                                                                                              \
        return ::mlrun::plugin_author::descriptor_for(host, descriptor);                                           \
    }                                                                                                              \
    }                                                                                                              \
    }                                                                                                              \
    MLRUN_PLUGIN_EXPORT(space::entry)

// The plugin's facts record (mlrun_plugin_facts in mlrun_abi.h), alone in
// the section the host reads to list and choose plugins without loading
// them. One line per plugin next to MLRUN_PLUGIN_EXPORT, saying what its
// descriptor says (the host refuses a plugin whose descriptor disagrees);
// a string too long for its field does not compile.
#define MLRUN_BACKEND_FACTS(name, version, description) \
    MLRUN_PLUGIN_FACTS_RECORD(MLRUN_PLUGIN_BACKEND, name, version, description, 0u, "", "")
#define MLRUN_FORMAT_FACTS(name, version, description, suffixes, format_flags) \
    MLRUN_PLUGIN_FACTS_RECORD(MLRUN_PLUGIN_FORMAT, name, version, description, format_flags, suffixes, "")
#define MLRUN_LAYER_FACTS(name, version, description, class_name) \
    MLRUN_PLUGIN_FACTS_RECORD(MLRUN_PLUGIN_LAYER, name, version, description, 0u, "", class_name)

// `used` keeps the unreferenced record in the library.
#define MLRUN_PLUGIN_FACTS_RECORD(kind, name, version, description, format_flags, suffixes, layer_class)          \
    __attribute__((used, section(MLRUN_PLUGIN_FACTS_SECTION))) static const mlrun_plugin_facts                   \
        mlrun_plugin_facts_record = {MLRUN_PLUGIN_FACTS_MAGIC, sizeof(mlrun_plugin_facts), MLRUN_PLUGIN_FACTS_VERSION, \
                                     MLRUN_ABI_MAJOR,          MLRUN_ABI_MINOR,            0,                          \
                                     (kind),                   (format_flags),             name,                       \
                                     version,                  description,                suffixes,                   \
                                     layer_class};

namespace mlrun::plugin_author {

// What a plugin does not do at all (a format without string tensors asked
// for one): guarded() answers MLRUN_STATUS_UNSUPPORTED, which the host
// reports as "not supported".
struct unsupported_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs `body` (returning mlrun_status) and turns any exception into a status
// plus a message stored in `error`, since exceptions must not cross the ABI:
// std::bad_alloc is OUT_OF_MEMORY, unsupported_error UNSUPPORTED,
// std::invalid_argument INVALID_ARGUMENT, any other exception `otherwise`.
template <class Body>
mlrun_status guarded(std::string& error, Body&& body, mlrun_status otherwise = MLRUN_STATUS_INTERNAL) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc&) {
        error = "out of memory";
        return MLRUN_STATUS_OUT_OF_MEMORY;
    } catch (const unsupported_error& e) {
        error = e.what();
        return MLRUN_STATUS_UNSUPPORTED;
    } catch (const std::invalid_argument& e) {
        error = e.what();
        return MLRUN_STATUS_INVALID_ARGUMENT;
    } catch (const std::exception& e) {
        error = e.what();
        return otherwise;
    } catch (...) {
        error = "unknown exception";
        return MLRUN_STATUS_INTERNAL;
    }
}

// What an entry function returns: `descriptor` for a host of this ABI's
// major version, nothing for any other (the host then skips the file and
// says why).
inline const mlrun_plugin_descriptor* descriptor_for(const mlrun_host_info* host,
                                                     const mlrun_plugin_descriptor& descriptor)
{
    return host != nullptr && host->abi_major == MLRUN_ABI_MAJOR ? &descriptor : nullptr;
}

// Copies `message` into a caller's error buffer of `error_size` bytes,
// cut to fit and always NUL-terminated (the ABI's error out-parameters).
inline void copy_message(const std::string& message, char* error, std::size_t error_size)
{
    if (error == nullptr || error_size == 0) return;
    const std::size_t length = std::min(message.size(), error_size - 1);
    std::memcpy(error, message.data(), length);
    error[length] = '\0';
}

// A boolean option's value: "true"/"1" or "false"/"0"; throws (for
// guarded) naming the option otherwise.
inline bool parse_flag(const std::string& key, const std::string& value)
{
    if (value == "true" || value == "1") return true;
    if (value == "false" || value == "0") return false;
    throw std::invalid_argument("option " + key + ": expected true or false, found '" + value + "'");
}

// Bytes per element of a fixed-size mlrun_dtype; 0 for strings and
// unknown types.
inline std::size_t element_size(std::int32_t dtype)
{
    switch (dtype) {
    case MLRUN_DTYPE_FLOAT32: return 4;
    case MLRUN_DTYPE_INT64: return 8;
    case MLRUN_DTYPE_INT32: return 4;
    case MLRUN_DTYPE_UINT8: return 1;
    default: return 0;
    }
}

}  // namespace mlrun::plugin_author
