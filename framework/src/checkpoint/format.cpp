#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/tensor_checksums.hpp"

#include "format_reader.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/plugin/table_fields.hpp"

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
    void (*abort)(mlrun_format_writer*);
    mlrun_format_writer* writer;
    ~writer_guard()
    {
        if (writer != nullptr) abort(writer);
    }
};

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
}

template <class Entry>
Entry format::entry(Entry mlrun_format_table::*member, const std::string& path, const char* what) const
{
    const Entry found = field_or(*table_, member, Entry{});
    if (found == nullptr) throw io_error(path + ": the " + name_ + " format does not support " + what);
    return found;
}

std::string format::failure(mlrun_status status, const char* message) const
{
    const std::string text = message != nullptr && *message != '\0' ? message : "no reason given";
    return status == MLRUN_STATUS_UNSUPPORTED ? "not supported by the " + name_ + " format: " + text : text;
}

bool format::export_only() const
{
    return (field_or(*table_, &mlrun_format_table::flags, 0u) & MLRUN_FORMAT_EXPORT_ONLY) != 0;
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
    const auto check = field_or(*table_, &mlrun_format_table::check_save_path, nullptr);
    if (check == nullptr) return "";  // absent: any path
    std::array<char, error_capacity> error{};
    const mlrun_status status = check(path.c_str(), error.data(), error.size());
    if (status == MLRUN_STATUS_OK) return "";
    return error[0] != '\0' ? failure(status, error.data()) : "the format cannot write this path";
}

void format::save(const std::string& path, const checkpoint& ckpt, const format_options& options) const
{
    save(path, ckpt, options, {});
}

void format::save(const std::string& path, const checkpoint& ckpt, const format_options& options,
                  const std::function<void()>& before_commit) const
{
    const char* saving = "saving";
    const auto begin = entry(&mlrun_format_table::save_begin, path, saving);
    const auto save_tensor = entry(&mlrun_format_table::save_tensor, path, saving);
    const auto save_metadata = entry(&mlrun_format_table::save_metadata, path, saving);
    const auto commit = entry(&mlrun_format_table::save_commit, path, saving);
    const auto writer_error = entry(&mlrun_format_table::writer_error, path, saving);
    std::array<char, error_capacity> error{};
    const auto opts = c_options(options);
    writer_guard guard{entry(&mlrun_format_table::save_abort, path, saving), nullptr};
    if (const mlrun_status status = begin(path.c_str(), opts.data(), opts.size(), &guard.writer, error.data(), error.size());
        status != MLRUN_STATUS_OK) {
        throw io_error(path + ": cannot start saving (" + name_ + "): " + failure(status, error.data()));
    }
    auto check = [&](mlrun_status status, const std::string& what) {
        if (status != MLRUN_STATUS_OK) throw io_error(path + ": " + what + ": " + failure(status, writer_error(guard.writer)));
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
        check(save_tensor(guard.writer, &view), "cannot save tensor '" + name + "'");
    }
    for (const auto& [key, value] : ckpt.metadata) {
        check(save_metadata(guard.writer, key.c_str(), value.c_str()), "cannot save metadata '" + key + "'");
    }
    if (before_commit) before_commit();  // throwing, it leaves the guard to abort the save
    mlrun_format_writer* writer = guard.writer;
    guard.writer = nullptr;  // commit frees it, successful or not
    if (const mlrun_status status = commit(writer, error.data(), error.size()); status != MLRUN_STATUS_OK) {
        throw io_error(path + ": saving failed (" + name_ + "): " + failure(status, error.data()));
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
    format_reader reader(*table_, name_, path, options, false);
    checkpoint result;
    const std::int64_t count = reader.tensor_count();
    for (std::int64_t i = 0; i < count; ++i) {
        const format_reader::tensor_info info = reader.info(i);
        result.tensors.emplace_back(info.name, reader.read(i, info));
    }
    result.metadata = reader.metadata();
    verify_tensor_checksums(result, path);
    return result;
}

}  // namespace mlrun
