#include "mlrun/plugin/plugin_facts.hpp"
#include "mlrun/plugin/table_fields.hpp"

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/abi/mlrun_layer.h"
#include "mlrun/core/error.hpp"

#include <cstddef>
#include <cstring>
#include <sstream>

namespace mlrun {
namespace {

std::vector<std::string> split_suffixes(const char* list)
{
    std::vector<std::string> result;
    std::stringstream in(list != nullptr ? list : "");
    std::string item;
    while (std::getline(in, item, ';')) {
        if (!item.empty()) result.push_back(item);
    }
    return result;
}

// A fixed-size field as a string: it must end inside the field, and hold
// no control characters (it is printed on terminals).
template <std::size_t N> std::string field(const char (&bytes)[N], const char* what, const std::string& where)
{
    const void* end = std::memchr(bytes, '\0', N);
    if (end == nullptr) throw plugin_error(where + ": the " + std::string(what) + " field has no terminating NUL");
    const std::string text(bytes, static_cast<const char*>(end));
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            throw plugin_error(where + ": the " + std::string(what) + " field holds control characters");
        }
    }
    return text;
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

plugin_facts facts_of_record(const std::string& bytes)
{
    const std::string context = "its facts record (section '" MLRUN_PLUGIN_FACTS_SECTION "')";
    mlrun_plugin_facts record{};
    if (bytes.size() < sizeof record) {
        throw plugin_error(context + ": " + std::to_string(bytes.size()) + " bytes, expected at least " +
                           std::to_string(sizeof record));
    }
    std::memcpy(&record, bytes.data(), sizeof record);
    if (std::memcmp(record.magic, MLRUN_PLUGIN_FACTS_MAGIC, sizeof record.magic) != 0) {
        throw plugin_error(context + ": does not start with the magic '" MLRUN_PLUGIN_FACTS_MAGIC "'");
    }
    if (record.record_version < 1 || record.record_size < sizeof record || record.record_size != bytes.size()) {
        throw plugin_error(context + ": version " + std::to_string(record.record_version) + " of " +
                           std::to_string(record.record_size) + " bytes in a section of " +
                           std::to_string(bytes.size()) + "; expected one record of at least " +
                           std::to_string(sizeof record) + " bytes, version 1 or later");
    }
    if (!is_known_kind(record.kind)) {
        throw plugin_error(context + ": unknown plugin kind " + std::to_string(record.kind) +
                           "; expected 1 (backend), 2 (format) or 3 (layer)");
    }
    plugin_facts facts;
    facts.name = field(record.name, "name", context);
    if (facts.name.empty()) throw plugin_error(context + ": the name is empty");
    facts.kind = static_cast<mlrun_plugin_kind>(record.kind);
    facts.version = field(record.version, "version", context);
    facts.description = field(record.description, "description", context);
    facts.abi_major = record.abi_major;
    facts.abi_minor = record.abi_minor;
    const std::string suffixes = field(record.suffixes, "suffixes", context);
    const std::string layer_class = field(record.layer_class, "layer_class", context);
    if (facts.kind == MLRUN_PLUGIN_FORMAT) {
        facts.suffixes = split_suffixes(suffixes.c_str());
        facts.prefix_paths = (record.format_flags & MLRUN_FORMAT_PREFIX_PATHS) != 0;
        facts.directory_paths = (record.format_flags & MLRUN_FORMAT_DIRECTORY_PATHS) != 0;
    }
    if (facts.kind == MLRUN_PLUGIN_LAYER) {
        if (layer_class.empty()) throw plugin_error(context + ": a layer plugin with no layer_class");
        facts.layer_class = layer_class;
    }
    return facts;
}

plugin_facts facts_of_descriptor(const mlrun_plugin_descriptor& d)
{
    plugin_facts facts;
    facts.name = d.name != nullptr ? d.name : "";
    facts.kind = static_cast<mlrun_plugin_kind>(d.kind);
    facts.version = d.version != nullptr ? d.version : "";
    facts.description = d.description != nullptr ? d.description : "";
    facts.abi_major = d.abi_major;
    facts.abi_minor = d.abi_minor;
    if (d.kind == MLRUN_PLUGIN_FORMAT && d.table != nullptr) {
        const auto& table = *static_cast<const mlrun_format_table*>(d.table);
        const char* suffixes = field_or(table, &mlrun_format_table::suffixes);
        if (suffixes != nullptr) facts.suffixes = split_suffixes(suffixes);
        // Tables from before `flags` say "prefix" with an empty suffix list.
        facts.prefix_paths = has_field(table, &mlrun_format_table::flags)
                                 ? (table.flags & MLRUN_FORMAT_PREFIX_PATHS) != 0
                                 : facts.suffixes.empty();
        facts.directory_paths = table.struct_size >= offsetof(mlrun_format_table, flags) + sizeof table.flags &&
                                (table.flags & MLRUN_FORMAT_DIRECTORY_PATHS) != 0;
    }
    if (d.kind == MLRUN_PLUGIN_LAYER && d.table != nullptr) {
        const auto& table = *static_cast<const mlrun_layer_table*>(d.table);
        if (field_or(table, &mlrun_layer_table::class_name) != nullptr) {
            facts.layer_class = table.class_name;
        }
    }
    return facts;
}

std::string facts_mismatch(const plugin_facts& declared, const plugin_facts& loaded)
{
    auto differs = [](const std::string& what, const std::string& is, const std::string& record) {
        return what + " '" + is + "', but its facts record says '" + record + "'";
    };
    auto joined = [](const std::vector<std::string>& list) {
        std::string text;
        for (const std::string& s : list) text += (text.empty() ? "" : ";") + s;
        return text;
    };
    if (loaded.name != declared.name) return differs("its descriptor names it", loaded.name, declared.name);
    if (loaded.kind != declared.kind) {
        return differs("its descriptor's kind is", plugin_kind_name(loaded.kind), plugin_kind_name(declared.kind));
    }
    if (loaded.version != declared.version) return differs("its descriptor's version is", loaded.version, declared.version);
    if (loaded.abi_major != declared.abi_major) {
        return differs("its descriptor's ABI major is", std::to_string(loaded.abi_major),
                       std::to_string(declared.abi_major));
    }
    if (loaded.suffixes != declared.suffixes) {
        return differs("its format table's suffixes are", joined(loaded.suffixes), joined(declared.suffixes));
    }
    if (loaded.prefix_paths != declared.prefix_paths) {
        return differs("its format table's prefix-paths flag is", loaded.prefix_paths ? "set" : "clear",
                       declared.prefix_paths ? "set" : "clear");
    }
    if (loaded.directory_paths != declared.directory_paths) {
        return differs("its format table's directory-paths flag is", loaded.directory_paths ? "set" : "clear",
                       declared.directory_paths ? "set" : "clear");
    }
    if (loaded.layer_class != declared.layer_class) {
        return differs("its layer table's class is", loaded.layer_class, declared.layer_class);
    }
    return "";
}

}  // namespace mlrun
