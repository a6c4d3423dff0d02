#include "mlrun/checkpoint/format_choice.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/core/error.hpp"

#include <boost/filesystem/operations.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

std::string lower(std::string text)
{
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// The file name with template fields ({epoch:04d}) blanked, lower case, so
// ".2f" inside a field is not taken for a suffix.
std::string plain_name(const std::string& path)
{
    std::string name = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    std::string out;
    int depth = 0;
    for (const char c : name) {
        if (c == '{') ++depth;
        else if (c == '}' && depth > 0) --depth;
        else if (depth == 0) out += c;
    }
    return lower(out);
}

// ".json" of "cp.json"; "" when the name has no suffix or a TensorFlow
// prefix's own (".ckpt", ".ckpt-100"), which name no file type.
std::string file_type_suffix(const std::string& name)
{
    const std::size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot + 1 == name.size()) return "";
    const std::string suffix = name.substr(dot);
    return suffix.rfind(".ckpt", 0) == 0 ? "" : suffix;
}

bool ends_with(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Format plugins claiming the longest suffix of `name`, and those named by prefix.
void candidates(const plugin_registry& plugins, const std::string& name, std::vector<const plugin_record*>& by_suffix,
                std::vector<const plugin_record*>& by_prefix)
{
    std::size_t best = 0;
    for (const plugin_record& p : plugins.plugins()) {
        if (p.kind != MLRUN_PLUGIN_FORMAT) continue;
        if (p.prefix_paths) by_prefix.push_back(&p);
        for (const std::string& s : p.suffixes) {
            if (!ends_with(name, lower(s)) || s.size() < best) continue;
            if (s.size() > best) by_suffix.clear();
            best = s.size();
            if (std::find(by_suffix.begin(), by_suffix.end(), &p) == by_suffix.end()) by_suffix.push_back(&p);
        }
    }
}

// Whether `path` names a directory as a whole: it ends in '/' or is an
// existing directory, and is no checkpoint directory (one with a state
// file means its checkpoints). Such a path is the directory format's (a
// TF.js model directory), whatever its name looks like.
bool names_directory(const std::string& path)
{
    boost::system::error_code ec;
    if (fs::exists(fs::path(path) / checkpoint_state_file, ec)) return false;
    return (!path.empty() && path.back() == '/') || fs::is_directory(path, ec);
}

const plugin_record* only_directory_format(const plugin_registry& plugins)
{
    const plugin_record* found = nullptr;
    for (const plugin_record& p : plugins.plugins()) {
        if (p.kind != MLRUN_PLUGIN_FORMAT || !p.directory_paths) continue;
        if (found != nullptr) return nullptr;  // several: the user names one
        found = &p;
    }
    return found;
}

// The key that names a format, for hints: save.format when choosing for save.path.
std::string format_key(const std::string& where)
{
    return where.rfind("save.", 0) == 0 ? "save.format" : "checkpoint.format";
}

// Whether files can be made at `path`: the nearest existing folder of its
// fixed part (before any {field}) is a writable directory.
std::string directory_problem(const std::string& path)
{
    const std::string fixed = path.substr(0, path.find('{'));
    fs::path directory = fs::path(fixed).parent_path();
    if (directory.empty()) directory = ".";
    boost::system::error_code ec;
    while (!fs::exists(directory, ec) && directory.has_parent_path()) directory = directory.parent_path();
    if (!fs::exists(directory, ec)) directory = ".";
    if (!fs::is_directory(directory, ec)) return "'" + directory.string() + "' is not a directory, so no folder can be made in it";
    if (::access(directory.c_str(), W_OK | X_OK) != 0) return "the directory '" + directory.string() + "' is not writable";
    return "";
}

}  // namespace

const plugin_record* directory_format(const plugin_registry& plugins, const std::string& path)
{
    return names_directory(path) ? only_directory_format(plugins) : nullptr;
}

std::string known_formats(const plugin_registry& plugins)
{
    std::string text;
    for (const plugin_record& p : plugins.plugins()) {
        if (p.kind != MLRUN_PLUGIN_FORMAT) continue;
        std::string list;
        for (const std::string& s : p.suffixes) list += " " + s;
        if (p.prefix_paths) list += " (a path prefix: PREFIX.index, PREFIX.data-*)";
        if (p.directory_paths) list += " (or a directory: DIR/)";
        text += "\n  " + p.name + ":" + list;
    }
    return text.empty() ? " none" : text;
}

const plugin_record& choose_format(const plugin_registry& plugins, const std::string& requested, const std::string& path,
                                   const std::string& where)
{
    std::vector<const plugin_record*> by_suffix, by_prefix;
    candidates(plugins, plain_name(path), by_suffix, by_prefix);
    const std::string formats = "; known formats:" + known_formats(plugins);
    if (!requested.empty()) {
        const plugin_record* named = nullptr;
        for (const plugin_record& p : plugins.plugins()) {
            if (p.kind == MLRUN_PLUGIN_FORMAT && p.name == requested) named = &p;
        }
        if (named == nullptr) throw config_error(where + ": unknown format '" + requested + "'" + formats);
        if (!by_suffix.empty() && std::find(by_suffix.begin(), by_suffix.end(), named) == by_suffix.end()) {
            throw config_error(where + ": format '" + requested + "' does not match '" + path + "', whose suffix the " +
                               by_suffix.front()->name + " format claims; change the suffix or the format" + formats);
        }
        return *named;
    }
    if (names_directory(path)) {
        if (const plugin_record* directory = only_directory_format(plugins)) return *directory;
        throw config_error(where + ": '" + path + "' is a directory; name a file or prefix in it, or name the format "
                           "with " + format_key(where) + formats);
    }
    if (by_suffix.size() == 1) return *by_suffix.front();
    if (by_suffix.size() > 1) {
        std::string names;
        for (const plugin_record* p : by_suffix) names += (names.empty() ? "" : ", ") + p->name;
        throw config_error(where + ": '" + path + "': the suffix is claimed by several formats (" + names +
                           "); name one with " + format_key(where) + formats);
    }
    if (const std::string suffix = file_type_suffix(plain_name(path)); !suffix.empty()) {
        throw config_error(where + ": '" + path + "': no format claims the suffix '" + suffix +
                           "'; use a suffix below, no suffix (or .ckpt) for a TensorFlow checkpoint prefix, or name "
                           "the format with " + format_key(where) + formats);
    }
    if (by_prefix.size() == 1) return *by_prefix.front();
    throw config_error(where + ": '" + path + "': no format claims this suffix" +
                       (by_prefix.empty() ? std::string() : " and several take a path prefix") +
                       "; name one with " + format_key(where) + formats);
}

const plugin_record& check_output_path(const plugin_registry& plugins, const std::string& requested,
                                       const std::string& path, const std::string& key, const std::string& where)
{
    const plugin_record& chosen = choose_format(plugins, requested, path, where.empty() ? key : where);
    // A directory is shown to the format as its name with the '/' that says so.
    std::string name = plain_name(path);
    if (names_directory(path)) {
        std::string directory = path;
        while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
        name = plain_name(directory) + "/";
    }
    if (const std::string problem = format(chosen).save_path_problem(name); !problem.empty()) {
        throw config_error(key + ": '" + path + "': the " + chosen.name + " format cannot write it: " + problem +
                           "; known formats:" + known_formats(plugins));
    }
    if (const std::string problem = directory_problem(path); !problem.empty()) {
        throw config_error(key + ": '" + path + "': cannot save there: " + problem);
    }
    return chosen;
}

const plugin_record& format_for_reading(const plugin_registry& plugins, const std::string& path,
                                        const std::string& fallback)
{
    std::vector<const plugin_record*> by_suffix, by_prefix;
    candidates(plugins, plain_name(path), by_suffix, by_prefix);
    boost::system::error_code ec;
    // A prefix whose files exist, or one of those files, is read by the prefix-named format.
    const bool prefix_files = fs::exists(path + ".index", ec) || ends_with(path, ".index") ||
                              path.find(".data-0") != std::string::npos;
    if (prefix_files && by_prefix.size() == 1) return *by_prefix.front();
    if (names_directory(path)) {
        if (const plugin_record* directory = only_directory_format(plugins)) return *directory;
    }
    if (by_suffix.size() == 1) return *by_suffix.front();
    if (by_suffix.empty() && !fallback.empty()) return plugins.find(MLRUN_PLUGIN_FORMAT, fallback);
    if (by_suffix.empty() && by_prefix.size() == 1 && file_type_suffix(plain_name(path)).empty()) return *by_prefix.front();
    throw io_error(path + ": not a checkpoint: no format plugin claims this file name's suffix" +
                   (by_suffix.size() > 1 ? std::string(" alone") : std::string()) +
                   " (a TensorFlow checkpoint prefix needs PREFIX.index); known formats:" + known_formats(plugins));
}

}  // namespace mlrun
