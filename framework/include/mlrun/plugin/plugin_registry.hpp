// Finds the plugins of one run, and loads each only when it is used.
//
// Built-in plugins (the reference backend) are registered first; then every
// shared library in the search directories is examined without running any
// of its code: a library counts as an mlrun plugin when its `mlrun` section
// holds the entry alias, and its facts record (plugin_facts.hpp) says what
// it is. Every file that is not taken is listed with the reason. A
// plugin's library is loaded the first time its descriptor is asked for,
// after a child process has loaded it without dying (plugin_loader.hpp);
// loaded libraries stay loaded until the process exits, so no object can
// outlive its code.
#pragma once

#include "mlrun/abi/mlrun_abi.h"
#include "mlrun/plugin/plugin_facts.hpp"

#include <boost/filesystem/path.hpp>

#include <memory>
#include <string>
#include <vector>

namespace mlrun {

class plugin_library;

struct plugin_record : plugin_facts {
    std::string path;  // "built-in" for plugins compiled into the framework
    std::shared_ptr<plugin_library> library;

    // The plugin's descriptor, its library loaded on first use. Throws
    // plugin_error naming the file and what happened when it cannot be
    // loaded (again on every later call: a failure is remembered).
    const mlrun_plugin_descriptor& descriptor() const;
    // Whether its code runs in this process already.
    bool loaded() const;
};

// The record of a plugin whose code is linked into this program, so there
// is nothing to load: the built-ins, and fuzz targets that link a format.
plugin_record linked_plugin_record(const mlrun_plugin_descriptor& descriptor, const std::string& where);

struct skipped_plugin {
    std::string path;
    std::string reason;
};

class plugin_registry {
public:
    // Registers the built-ins and scans `directories` in order (missing ones
    // are skipped silently; duplicates are scanned once). Loads nothing.
    // A directory or plugin file that others can write is a warning, kept
    // in warnings() and printed to stderr.
    explicit plugin_registry(const std::vector<boost::filesystem::path>& directories);

    const std::vector<plugin_record>& plugins() const { return plugins_; }
    const std::vector<skipped_plugin>& skipped() const { return skipped_; }
    const std::vector<std::string>& warnings() const { return warnings_; }
    const std::vector<boost::filesystem::path>& directories() const { return directories_; }

    // The plugin of this kind and name (not loaded yet). Throws
    // plugin_error listing the plugins found and the files skipped when
    // there is no such plugin, or when two files provide it.
    const plugin_record& find(mlrun_plugin_kind kind, const std::string& name) const;

    // The directories of MLRUN_PLUGIN_PATH (':'-separated), in order.
    static std::vector<boost::filesystem::path> environment_directories();
    // <directory of libmlrun>/mlrun/plugins: where the built-in plugins
    // are, in the build tree and in an installed tree alike, for the mlrun
    // tool and for programs built against libmlrun.
    static boost::filesystem::path bundled_directory();

private:
    void add_builtin(const mlrun_plugin_descriptor* descriptor);
    void scan_directory(const boost::filesystem::path& directory);
    void examine_file(const boost::filesystem::path& file);
    void warn_if_others_can_write(const boost::filesystem::path& path, const char* what);
    void add(plugin_record record);

    std::vector<boost::filesystem::path> directories_;
    std::vector<plugin_record> plugins_;
    std::vector<skipped_plugin> skipped_;
    std::vector<std::string> warnings_;
    std::vector<std::pair<std::string, std::string>> conflicts_;  // name, "path_a and path_b"
};

}  // namespace mlrun
