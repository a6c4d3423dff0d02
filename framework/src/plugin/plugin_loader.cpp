#include "mlrun/plugin/plugin_loader.hpp"
#include "mlrun/plugin/plugin_facts.hpp"
#include "mlrun/plugin/table_fields.hpp"

#include "mlrun/version.hpp"

#include <boost/dll/shared_library.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <string>
#include <vector>

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

std::string abi_text(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

}  // namespace

loaded_plugin load_plugin_library(const fs::path& file)
{
    boost::dll::shared_library library;
    boost::system::error_code ec;
    // rtld_now: a missing dependency fails here, not in the middle of a run.
    // rtld_local: two plugins' BLAS or OpenMP symbols cannot override each other.
    library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec) return {nullptr, "cannot load: " + loader_message(file, ec)};
    if (!library.has(MLRUN_PLUGIN_ENTRY_NAME)) return {nullptr, "loaded, but the entry symbol is missing"};
    auto entry = library.get_alias<const mlrun_plugin_descriptor*(const mlrun_host_info*)>(MLRUN_PLUGIN_ENTRY_NAME);
    const mlrun_host_info host{sizeof(mlrun_host_info), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_VERSION};
    loaded_libraries().push_back(library);
    const mlrun_plugin_descriptor* d = nullptr;
    try {
        // The entry is C, but a plugin written in C++ could still let an
        // exception escape; it must not take the host down.
        d = entry(&host);
    } catch (const std::exception& e) {
        return {nullptr, std::string("the plugin's entry threw: ") + e.what()};
    } catch (...) {
        return {nullptr, "the plugin's entry threw an exception"};
    }
    if (d == nullptr) {
        return {nullptr, "the plugin's entry returned no descriptor (it refused host ABI " +
                             abi_text(MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR) + ")"};
    }
    if (!has_field(*d, &mlrun_plugin_descriptor::table) || d->abi_major != MLRUN_ABI_MAJOR) {
        return {nullptr, "ABI " + abi_text(d->abi_major, d->abi_minor) + ", host ABI " +
                             abi_text(MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR) + " (major versions must match)"};
    }
    if (!is_known_kind(d->kind) || d->name == nullptr || d->table == nullptr) {
        return {nullptr, "descriptor has an unknown kind, no name or no function table"};
    }
    return {d, ""};
}

int report_plugin_probe(const fs::path& file, int report_fd)
{
    const loaded_plugin loaded = load_plugin_library(file);
    std::string report = loaded.descriptor != nullptr ? "ok\n" : "error: " + loaded.failure + "\n";
    for (char& c : report) {
        if (c == '\n' && &c != &report.back()) c = ' ';  // one line, whatever the message holds
    }
    for (std::size_t written = 0; written < report.size();) {
        const ssize_t n = ::write(report_fd, report.data() + written, report.size() - written);
        if (n <= 0) return 1;
        written += static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace mlrun
