// What a plugin is -- name, kind, version, description, and what the host
// chooses it by -- as its facts record declares it (read from the file, no
// code run) or as its loaded descriptor says it.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlrun {

struct plugin_facts {
    std::string name;
    mlrun_plugin_kind kind = MLRUN_PLUGIN_BACKEND;
    std::string version;
    std::string description;
    unsigned abi_major = 0;
    unsigned abi_minor = 0;
    std::vector<std::string> suffixes;  // formats: the file suffixes it claims (".h5")
    bool prefix_paths = false;          // formats: paths are prefixes (MLRUN_FORMAT_PREFIX_PATHS)
    bool directory_paths = false;       // formats: a model is a directory (MLRUN_FORMAT_DIRECTORY_PATHS)
    std::string layer_class;            // layers: the class configurations name
};

const char* plugin_kind_name(mlrun_plugin_kind kind);

// Whether `kind` (as a file or descriptor declares it) is one this host
// knows; inline so the probe helper, which does not link libmlrun, has it.
inline bool is_known_kind(std::int32_t kind)
{
    return kind == MLRUN_PLUGIN_BACKEND || kind == MLRUN_PLUGIN_FORMAT || kind == MLRUN_PLUGIN_LAYER;
}

// A record of a later version may be longer; none is this long.
constexpr std::size_t max_plugin_facts_size = 64 * 1024;

// The facts of the record that section MLRUN_PLUGIN_FACTS_SECTION holds.
// Throws plugin_error saying what is wrong when it is malformed (wrong
// magic or size, a string without its NUL or with control characters, an
// unknown kind, a layer without its class).
plugin_facts facts_of_record(const std::string& section_bytes);

// The facts a loaded plugin's descriptor and table give.
plugin_facts facts_of_descriptor(const mlrun_plugin_descriptor& descriptor);

// How `loaded` differs from `declared` ("version '0.0.1', the record says
// '0.0.2'"), empty when they agree.
std::string facts_mismatch(const plugin_facts& declared, const plugin_facts& loaded);

}  // namespace mlrun
