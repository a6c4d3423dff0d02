// Finds, loads and keeps the plugins of one run.
//
// Built-in plugins (the reference backend) are registered first; then every
// shared library in the search directories is examined. A library counts as
// an mlrun plugin when it has the `mlrun` section holding the entry alias;
// that is read from the file without running any of its code. Every file
// that is not taken is listed with the reason. Loaded libraries stay loaded
// until the process exits, so no object can outlive its code.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <boost/filesystem/path.hpp>

#include <string>
#include <vector>

namespace mlrun {

struct plugin_record {
    std::string name;
    mlrun_plugin_kind kind;
    std::string version;
    std::string description;
    unsigned abi_major = 0;
    unsigned abi_minor = 0;
    std::string path;  // "built-in" for plugins compiled into the framework
    const mlrun_plugin_descriptor* descriptor = nullptr;
};

struct skipped_plugin {
    std::string path;
    std::string reason;
};

const char* plugin_kind_name(mlrun_plugin_kind kind);

class plugin_registry {
public:
    // Registers the built-ins and scans `directories` in order (missing ones
    // are skipped silently; duplicates are scanned once).
    explicit plugin_registry(const std::vector<boost::filesystem::path>& directories);

    const std::vector<plugin_record>& plugins() const { return plugins_; }
    const std::vector<skipped_plugin>& skipped() const { return skipped_; }
    const std::vector<boost::filesystem::path>& directories() const { return directories_; }

    // The plugin of this kind and name. Throws plugin_error listing the
    // plugins found and the files skipped when there is no such plugin, or
    // when two files provide it.
    const plugin_record& find(mlrun_plugin_kind kind, const std::string& name) const;

    // The directories of MLRUN_PLUGIN_PATH (':'-separated), in order.
    static std::vector<boost::filesystem::path> environment_directories();
    // <directory of the executable>/../lib/mlrun/plugins: where the built-in
    // plugins are, in the build tree and in an installed tree alike.
    static boost::filesystem::path bundled_directory();

private:
    void add_builtin(const mlrun_plugin_descriptor* descriptor);
    void scan_directory(const boost::filesystem::path& directory);
    void load_file(const boost::filesystem::path& file);
    void add(plugin_record record);

    std::vector<boost::filesystem::path> directories_;
    std::vector<plugin_record> plugins_;
    std::vector<skipped_plugin> skipped_;
    std::vector<std::pair<std::string, std::string>> conflicts_;  // name, "path_a and path_b"
};

}  // namespace mlrun
