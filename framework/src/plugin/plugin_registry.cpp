#include "mlrun/plugin/plugin_registry.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/version.hpp"
#include "reference_kernels.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/filesystem/operations.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

// Libraries are never unloaded: objects made by a plugin may live until the
// end of main, and unloading code under them would crash. The list is
// reachable for the whole process, so it is not a leak.
std::vector<boost::dll::shared_library>& loaded_libraries()
{
    static auto* libraries = new std::vector<boost::dll::shared_library>();
    return *libraries;
}

mlrun_host_info host_info()
{
    return {sizeof(mlrun_host_info), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_VERSION};
}

// The dynamic loader's own words (a missing dependency names the library),
// which the generic error code does not carry.
std::string loader_message(const fs::path& file, const boost::system::error_code& ec)
{
    ::dlerror();
    void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
        ::dlclose(handle);
        return ec.message();
    }
    const char* message = ::dlerror();
    return message != nullptr ? message : ec.message();
}

bool is_known_kind(std::int32_t kind)
{
    return kind == MLRUN_PLUGIN_BACKEND || kind == MLRUN_PLUGIN_FORMAT || kind == MLRUN_PLUGIN_LAYER;
}

}  // namespace

const char* plugin_kind_name(mlrun_plugin_kind kind)
{
    switch (kind) {
    case MLRUN_PLUGIN_BACKEND: return "backend";
    case MLRUN_PLUGIN_FORMAT: return "format";
    case MLRUN_PLUGIN_LAYER: return "layer";
    }
    return "unknown";
}

plugin_registry::plugin_registry(const std::vector<fs::path>& directories)
{
    const mlrun_host_info host = host_info();
    add_builtin(reference::descriptor(&host));
    for (const fs::path& directory : directories) {
        boost::system::error_code ec;
        const fs::path canonical = fs::canonical(directory, ec);
        if (ec || !fs::is_directory(canonical, ec)) continue;
        if (std::find(directories_.begin(), directories_.end(), canonical) != directories_.end()) continue;
        directories_.push_back(canonical);
        scan_directory(canonical);
    }
}

std::vector<fs::path> plugin_registry::environment_directories()
{
    std::vector<fs::path> result;
    if (const char* env = std::getenv("MLRUN_PLUGIN_PATH")) {
        std::stringstream list(env);
        std::string item;
        while (std::getline(list, item, ':')) {
            if (!item.empty()) result.emplace_back(item);
        }
    }
    return result;
}

fs::path plugin_registry::bundled_directory()
{
    boost::system::error_code ec;
    const fs::path exe = boost::dll::program_location(ec);
    if (ec) return {};
    return exe.parent_path().parent_path() / "lib" / "mlrun" / "plugins";
}

void plugin_registry::add_builtin(const mlrun_plugin_descriptor* d)
{
    plugin_record record{d->name, static_cast<mlrun_plugin_kind>(d->kind), d->version, d->description,
                         d->abi_major, d->abi_minor, "built-in", d};
    plugins_.push_back(std::move(record));
}

void plugin_registry::scan_directory(const fs::path& directory)
{
    std::vector<fs::path> files;
    boost::system::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == boost::dll::shared_library::suffix()) files.push_back(it->path());
    }
    if (ec) {
        skipped_.push_back({directory.string(), "cannot list directory: " + ec.message()});
        return;
    }
    std::sort(files.begin(), files.end());  // a stable order makes reports and conflicts reproducible
    for (const fs::path& file : files) load_file(file);
}

void plugin_registry::load_file(const fs::path& file)
{
    const std::string path = file.string();
    try {
        boost::dll::library_info info(file);
        const std::vector<std::string> symbols = info.symbols(MLRUN_PLUGIN_SECTION);
        if (std::find(symbols.begin(), symbols.end(), MLRUN_PLUGIN_ENTRY_NAME) == symbols.end()) {
            skipped_.push_back({path, "no mlrun_plugin_entry in section 'mlrun' (not an mlrun plugin)"});
            return;
        }
    } catch (const std::exception& e) {
        skipped_.push_back({path, std::string("not a readable shared library: ") + e.what()});
        return;
    }

    boost::dll::shared_library library;
    boost::system::error_code ec;
    // rtld_now: a missing dependency fails here, not in the middle of a run.
    // rtld_local: two plugins' BLAS or OpenMP symbols cannot override each other.
    library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec) {
        skipped_.push_back({path, "cannot load: " + loader_message(file, ec)});
        return;
    }
    if (!library.has(MLRUN_PLUGIN_ENTRY_NAME)) {
        skipped_.push_back({path, "loaded, but the entry symbol is missing"});
        return;
    }
    auto entry = library.get_alias<const mlrun_plugin_descriptor*(const mlrun_host_info*)>(MLRUN_PLUGIN_ENTRY_NAME);
    const mlrun_host_info host = host_info();
    loaded_libraries().push_back(library);
    const mlrun_plugin_descriptor* d = nullptr;
    try {
        // The entry is C, but a plugin written in C++ could still let an
        // exception escape; it must not take the host down.
        d = entry(&host);
    } catch (const std::exception& e) {
        skipped_.push_back({path, std::string("the plugin's entry threw: ") + e.what()});
        return;
    } catch (...) {
        skipped_.push_back({path, "the plugin's entry threw an exception"});
        return;
    }
    if (d == nullptr) {
        skipped_.push_back({path, "the plugin's entry returned no descriptor (it refused host ABI " +
                                      std::to_string(MLRUN_ABI_MAJOR) + "." + std::to_string(MLRUN_ABI_MINOR) +
                                      ")"});
        return;
    }
    if (d->struct_size < sizeof(mlrun_plugin_descriptor) || d->abi_major != MLRUN_ABI_MAJOR) {
        skipped_.push_back({path, "ABI " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor) +
                                      ", host ABI " + std::to_string(MLRUN_ABI_MAJOR) + "." +
                                      std::to_string(MLRUN_ABI_MINOR) + " (major versions must match)"});
        return;
    }
    if (!is_known_kind(d->kind) || d->name == nullptr || d->table == nullptr) {
        skipped_.push_back({path, "descriptor has an unknown kind, no name or no function table"});
        return;
    }
    add({d->name, static_cast<mlrun_plugin_kind>(d->kind), d->version ? d->version : "",
         d->description ? d->description : "", d->abi_major, d->abi_minor, path, d});
}

void plugin_registry::add(plugin_record record)
{
    for (auto it = plugins_.begin(); it != plugins_.end(); ++it) {
        if (it->kind != record.kind || it->name != record.name) continue;
        if (it->path == "built-in") {
            // A file overrides the built-in copy of the same plugin.
            *it = std::move(record);
            return;
        }
        conflicts_.emplace_back(record.name, it->path + " and " + record.path);
        skipped_.push_back({record.path, "another file already provides " +
                                             std::string(plugin_kind_name(record.kind)) + " '" + record.name +
                                             "': " + it->path});
        return;
    }
    plugins_.push_back(std::move(record));
}

const plugin_record& plugin_registry::find(mlrun_plugin_kind kind, const std::string& name) const
{
    const std::string kind_text = plugin_kind_name(kind);
    for (const auto& [conflict_name, paths] : conflicts_) {
        if (conflict_name == name) {
            throw plugin_error(kind_text + " '" + name + "' is provided by two plugins: " + paths +
                               "; remove one of them from the plugin path");
        }
    }
    for (const plugin_record& record : plugins_) {
        if (record.kind == kind && record.name == name) return record;
    }
    std::string message = "unknown " + kind_text + " '" + name + "'; available:";
    for (const plugin_record& record : plugins_) {
        if (record.kind == kind) message += " " + record.name;
    }
    if (!skipped_.empty()) {
        message += "\nskipped plugin files:";
        for (const skipped_plugin& s : skipped_) message += "\n  " + s.path + ": " + s.reason;
    }
    throw plugin_error(message);
}

}  // namespace mlrun
