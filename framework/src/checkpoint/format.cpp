#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/tensor_checksums.hpp"

#include "mlrun/core/error.hpp"

#include <array>
#include <cstddef>

namespace mlrun {
namespace {

constexpr std::size_t error_capacity = 1024;

std::vector<mlrun_option> c_options(const format_options& options)
{
    std::vector<mlrun_option> result;
    for (const auto& [key, value] : options) result.push_back({key.c_str(), value.c_str()});
    return result;
}

// Aborts an unfinished save when an exception leaves save().
struct writer_guard {
    const mlrun_format_table* table;
    mlrun_format_writer* writer;
    ~writer_guard()
    {
        if (writer != nullptr) table->save_abort(writer);
    }
};

struct reader_guard {
    const mlrun_format_table* table;
    mlrun_format_reader* reader;
    ~reader_guard()
    {
        if (reader != nullptr) table->close(reader);
    }
};

void collect_string(void* context, std::int64_t element, const char* bytes, std::uint64_t length)
{
    auto& strings = *static_cast<std::vector<std::string>*>(context);
    if (element >= 0 && static_cast<std::size_t>(element) < strings.size()) {
        strings[static_cast<std::size_t>(element)].assign(bytes, length);
    }
}

// The format's table, its library loaded only once it is known to be a format.
const mlrun_format_table* format_table(const plugin_record& plugin)
{
    if (plugin.kind != MLRUN_PLUGIN_FORMAT) throw plugin_error("plugin '" + plugin.name + "' is not a format");
    return static_cast<const mlrun_format_table*>(plugin.descriptor().table);
}

}  // namespace

format::format(const plugin_record& plugin)
    : name_(plugin.name), suffixes_(plugin.suffixes), prefix_paths_(plugin.prefix_paths), table_(format_table(plugin))
{
    if (table_->struct_size < offsetof(mlrun_format_table, flags)) {
        throw plugin_error(plugin.path + ": format '" + plugin.name + "' has an incomplete function table");
    }
}

bool format::export_only() const
{
    if (table_->struct_size < offsetof(mlrun_format_table, flags) + sizeof(table_->flags)) return false;
    return (table_->flags & MLRUN_FORMAT_EXPORT_ONLY) != 0;
}

bool format::checks_model() const
{
    if (table_->struct_size < offsetof(mlrun_format_table, flags) + sizeof(table_->flags)) return false;
    return (table_->flags & (MLRUN_FORMAT_EXPORT_ONLY | MLRUN_FORMAT_CHECKS_MODEL)) != 0;
}

void format::require_loadable(const std::string& path) const
{
    if (!export_only()) return;
    throw model_error(path + ": the " + name_ + " format is export-only: mlrun writes such files for other programs "
                      "but cannot load them back as a model or weights; use the model file or checkpoint it was "
                      "exported from (mlrun inspect " + path + " lists what it holds)");
}

std::string format::save_path_problem(const std::string& path) const
{
    if (table_->struct_size < offsetof(mlrun_format_table, check_save_path) + sizeof(table_->check_save_path) ||
        table_->check_save_path == nullptr) {
        return "";
    }
    std::array<char, error_capacity> error{};
    if (table_->check_save_path(path.c_str(), error.data(), error.size()) == MLRUN_STATUS_OK) return "";
    return error[0] != '\0' ? error.data() : "the format cannot write this path";
}

void format::save(const std::string& path, const checkpoint& ckpt, const format_options& options) const
{
    std::array<char, error_capacity> error{};
    const auto opts = c_options(options);
    writer_guard guard{table_, nullptr};
    if (table_->save_begin(path.c_str(), opts.data(), opts.size(), &guard.writer, error.data(), error.size()) !=
        MLRUN_STATUS_OK) {
        throw io_error(path + ": cannot start saving (" + name_ + "): " + error.data());
    }
    auto fail = [&](const std::string& what) {
        throw io_error(path + ": " + what + ": " + table_->writer_error(guard.writer));
    };
    for (const auto& [name, t] : ckpt.tensors) {
        std::vector<const char*> pointers;
        std::vector<std::uint64_t> lengths;
        mlrun_tensor_view view{name.c_str(), static_cast<std::int32_t>(t.type()), static_cast<std::int32_t>(t.dims().rank()),
                               t.dims().dims().data(), t.bytes(), t.byte_size(), nullptr};
        if (t.type() == dtype::string) {
            for (const std::string& s : t.strings()) {
                pointers.push_back(s.data());
                lengths.push_back(s.size());
            }
            view.data = pointers.data();
            view.byte_size = 0;
            view.string_lengths = lengths.data();
        }
        if (table_->save_tensor(guard.writer, &view) != MLRUN_STATUS_OK) fail("cannot save tensor '" + name + "'");
    }
    for (const auto& [key, value] : ckpt.metadata) {
        if (table_->save_metadata(guard.writer, key.c_str(), value.c_str()) != MLRUN_STATUS_OK) {
            fail("cannot save metadata '" + key + "'");
        }
    }
    mlrun_format_writer* writer = guard.writer;
    guard.writer = nullptr;  // commit frees it, successful or not
    if (table_->save_commit(writer, error.data(), error.size()) != MLRUN_STATUS_OK) {
        throw io_error(path + ": saving failed (" + name_ + "): " + error.data());
    }
}

void format::check_savable(const std::string& path, const checkpoint& ckpt, const format_options& options) const
{
    format_options trial = options;
    trial.emplace_back("dry_run", "true");
    save(path, ckpt, trial);
}

checkpoint format::load(const std::string& path, const format_options& options) const
{
    std::array<char, error_capacity> error{};
    const auto opts = c_options(options);
    reader_guard guard{table_, nullptr};
    if (table_->open(path.c_str(), opts.data(), opts.size(), &guard.reader, error.data(), error.size()) !=
        MLRUN_STATUS_OK) {
        throw io_error(path + ": cannot open as " + name_ + ": " + error.data());
    }
    auto fail = [&](const std::string& what) {
        throw io_error(path + ": " + what + ": " + table_->reader_error(guard.reader));
    };
    checkpoint result;
    const std::int64_t count = table_->tensor_count(guard.reader);
    for (std::int64_t i = 0; i < count; ++i) {
        mlrun_tensor_view info{};
        if (table_->tensor_info(guard.reader, i, &info) != MLRUN_STATUS_OK) fail("cannot read tensor #" + std::to_string(i));
        const std::string name = info.name != nullptr ? info.name : "";
        if (info.dtype < MLRUN_DTYPE_FLOAT32 || info.dtype > MLRUN_DTYPE_STRING || info.rank < 0 ||
            (info.rank > 0 && info.dims == nullptr)) {
            throw io_error(path + ": tensor '" + name + "' has an unknown dtype code " + std::to_string(info.dtype) +
                           " or a bad rank");
        }
        std::vector<std::int64_t> dims(info.dims, info.dims + info.rank);
        tensor t(static_cast<dtype>(info.dtype), shape(dims));
        if (t.type() == dtype::string) {
            if (table_->read_strings(guard.reader, i, collect_string, &t.strings()) != MLRUN_STATUS_OK) {
                fail("cannot read tensor '" + name + "'");
            }
        } else if (table_->read_tensor(guard.reader, i, t.bytes(), t.byte_size()) != MLRUN_STATUS_OK) {
            fail("cannot read tensor '" + name + "'");
        }
        result.tensors.emplace_back(name, std::move(t));
    }
    const std::int64_t entries = table_->metadata_count(guard.reader);
    for (std::int64_t i = 0; i < entries; ++i) {
        const char* key = nullptr;
        const char* value = nullptr;
        if (table_->metadata_entry(guard.reader, i, &key, &value) != MLRUN_STATUS_OK) fail("cannot read metadata");
        if (key == nullptr || value == nullptr) fail("metadata entry #" + std::to_string(i) + " has no key or value");
        result.metadata[key] = value;
    }
    verify_tensor_checksums(result, path);
    return result;
}

}  // namespace mlrun
