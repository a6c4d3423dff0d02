#include "mlrun/plugin/plugin_registry.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/plugin/elf_section.hpp"
#include "mlrun/plugin/plugin_loader.hpp"
#include "mlrun/version.hpp"
#include "reference_kernels.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>
#include <boost/filesystem/operations.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <sstream>

namespace fs = boost::filesystem;

namespace mlrun {

// One plugin file's code, run the first time it is asked for: first in a
// child process (which may die in our place), then here.
class plugin_library {
public:
    // `declared`: the file's facts record, checked against the descriptor;
    // nothing for a plugin built without one.
    plugin_library(std::string path, std::optional<plugin_facts> declared)
        : path_(std::move(path)), declared_(std::move(declared))
    {
    }
    explicit plugin_library(const mlrun_plugin_descriptor* linked) : descriptor_(linked) {}

    // "" once loaded, else why it cannot be (the same answer every time).
    const std::string& load()
    {
        if (descriptor_ == nullptr && failure_.empty()) failure_ = first_load();
        return failure_;
    }
    const mlrun_plugin_descriptor* descriptor() const { return descriptor_; }

private:
    std::string first_load()
    {
        if (std::string problem = probe_plugin(path_); !problem.empty()) return problem;
        const loaded_plugin loaded = load_plugin_library(path_);
        if (loaded.descriptor == nullptr) return loaded.failure;
        if (declared_) {
            const std::string mismatch = facts_mismatch(*declared_, facts_of_descriptor(*loaded.descriptor));
            if (!mismatch.empty()) return "refused: " + mismatch;
        }
        descriptor_ = loaded.descriptor;
        return "";
    }

    std::string path_;
    std::optional<plugin_facts> declared_;
    const mlrun_plugin_descriptor* descriptor_ = nullptr;
    std::string failure_;
};

const mlrun_plugin_descriptor& plugin_record::descriptor() const
{
    if (const std::string& failure = library->load(); !failure.empty()) {
        throw plugin_error(path + ": " + plugin_kind_name(kind) + " '" + name + "' could not be loaded: " + failure);
    }
    return *library->descriptor();
}

bool plugin_record::loaded() const { return library->descriptor() != nullptr; }

plugin_record linked_plugin_record(const mlrun_plugin_descriptor& descriptor, const std::string& where)
{
    return {facts_of_descriptor(descriptor), where, std::make_shared<plugin_library>(&descriptor)};
}

namespace {

std::string abi_text(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

}  // namespace

plugin_registry::plugin_registry(const std::vector<fs::path>& directories)
{
    const mlrun_host_info host{sizeof(mlrun_host_info), MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR, MLRUN_VERSION};
    add_builtin(reference::descriptor(&host));
    for (const fs::path& directory : directories) {
        boost::system::error_code ec;
        const fs::path canonical = fs::canonical(directory, ec);
        if (ec || !fs::is_directory(canonical, ec)) continue;
        if (std::find(directories_.begin(), directories_.end(), canonical) != directories_.end()) continue;
        directories_.push_back(canonical);
        warn_if_others_can_write(canonical, "plugin directory");
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
    // libmlrun's own directory, not the program's: the same place for the
    // mlrun tool (bin/../lib) and for any program linked against libmlrun.
    const fs::path library = boost::dll::this_line_location(ec);
    if (ec) return {};
    return library.parent_path() / "mlrun" / "plugins";
}

void plugin_registry::add_builtin(const mlrun_plugin_descriptor* d)
{
    plugins_.push_back(linked_plugin_record(*d, "built-in"));
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
    for (const fs::path& file : files) examine_file(file);
}

// What the file says it is, read from its bytes; nothing of it runs here.
void plugin_registry::examine_file(const fs::path& file)
{
    const std::string path = file.string();
    warn_if_others_can_write(file, "plugin file");
    std::optional<std::string> record;
    try {
        // First: it checks every offset, and refuses FIFOs and devices.
        record = read_elf_section(file, MLRUN_PLUGIN_FACTS_SECTION, max_plugin_facts_size);
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
    std::optional<plugin_facts> facts;
    try {
        if (record) facts = facts_of_record(*record);
    } catch (const plugin_error& e) {
        skipped_.push_back({path, e.what()});
        return;
    }
    auto library = std::make_shared<plugin_library>(path, facts);
    if (!facts) {
        // Built before facts records: only loading tells what it is, and
        // the probe keeps a plugin that dies doing so from taking us along.
        if (const std::string& failure = library->load(); !failure.empty()) {
            skipped_.push_back({path, failure});
            return;
        }
        facts = facts_of_descriptor(*library->descriptor());
    }
    if (facts->abi_major != MLRUN_ABI_MAJOR) {
        skipped_.push_back({path, "ABI " + abi_text(facts->abi_major, facts->abi_minor) + ", host ABI " +
                                      abi_text(MLRUN_ABI_MAJOR, MLRUN_ABI_MINOR) + " (major versions must match)"});
        return;
    }
    add({*facts, path, library});
}

// Whoever can write a plugin file, or the directory it is found in, can
// make mlrun run their code. World-writable, or group-writable and owned
// by neither this user nor root (whose own files' group bits are theirs to
// choose), is worth a warning.
void plugin_registry::warn_if_others_can_write(const fs::path& path, const char* what)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return;
    const bool world = (info.st_mode & S_IWOTH) != 0;
    const bool foreign_group = (info.st_mode & S_IWGRP) != 0 && info.st_uid != ::geteuid() && info.st_uid != 0;
    if (!world && !foreign_group) return;
    const std::string warning =
        std::string(what) + " " + path.string() + " is " +
        (world ? "world-writable" : "group-writable and owned by uid " + std::to_string(info.st_uid)) +
        ": anyone who can write it can make mlrun run their code (chmod " + (world ? "o-w" : "g-w") + " it)";
    warnings_.push_back(warning);
    std::cerr << "mlrun: warning: " << warning << "\n";
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
