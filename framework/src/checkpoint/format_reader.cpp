#include "format_reader.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/plugin/table_fields.hpp"

#include <array>
#include <vector>

namespace mlrun {
namespace {

void collect_string(void* context, std::int64_t element, const char* bytes, std::uint64_t length)
{
    auto& strings = *static_cast<std::vector<std::string>*>(context);
    if (element >= 0 && static_cast<std::size_t>(element) < strings.size()) {
        strings[static_cast<std::size_t>(element)].assign(bytes, length);
    }
}

}  // namespace

format_reader::format_reader(const mlrun_format_table& table, const std::string& format_name,
                             const std::string& path, const format_options& options, bool listing_only)
    : table_(table), format_name_(format_name), path_(path)
{
    // Every entry reading needs but read_strings, which only string tensors do.
    const bool reads = field_or(table, &mlrun_format_table::open, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::tensor_count, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::tensor_info, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::read_tensor, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::metadata_count, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::metadata_entry, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::close, nullptr) != nullptr &&
                       field_or(table, &mlrun_format_table::reader_error, nullptr) != nullptr;
    if (!reads) throw io_error(path + ": the " + format_name + " format does not support reading");
    const auto inspect = listing_only ? field_or(table, &mlrun_format_table::inspect, nullptr) : nullptr;
    const auto open = inspect != nullptr ? inspect : table.open;
    std::vector<mlrun_option> c_options;
    for (const auto& [key, value] : options) c_options.push_back({key.c_str(), value.c_str()});
    std::array<char, 1024> error{};
    const mlrun_status status = open(path.c_str(), c_options.data(), c_options.size(), &reader_, error.data(), error.size());
    if (status != MLRUN_STATUS_OK || reader_ == nullptr) {
        reader_ = nullptr;
        const std::string reason = error[0] != '\0' ? error.data() : "no reason given";
        throw io_error(path + ": cannot open as " + format_name + ": " +
                       (status == MLRUN_STATUS_UNSUPPORTED ? "not supported: " : "") + reason);
    }
}

format_reader::~format_reader()
{
    if (reader_ != nullptr) table_.close(reader_);
}

void format_reader::fail(mlrun_status status, const std::string& what) const
{
    const char* message = table_.reader_error(reader_);
    const std::string reason = message != nullptr && *message != '\0' ? message : "no reason given";
    throw io_error(path_ + ": " + what + ": " +
                   (status == MLRUN_STATUS_UNSUPPORTED ? "not supported by the " + format_name_ + " format: " : "") +
                   reason);
}

std::int64_t format_reader::tensor_count() { return table_.tensor_count(reader_); }

format_reader::tensor_info format_reader::info(std::int64_t index)
{
    mlrun_tensor_view view{};
    if (const mlrun_status status = table_.tensor_info(reader_, index, &view); status != MLRUN_STATUS_OK) {
        fail(status, "cannot describe tensor #" + std::to_string(index));
    }
    const std::string name = view.name != nullptr ? view.name : "";
    if (view.dtype < MLRUN_DTYPE_FLOAT32 || view.dtype > MLRUN_DTYPE_STRING || view.rank < 0 ||
        (view.rank > 0 && view.dims == nullptr)) {
        throw io_error(path_ + ": tensor '" + name + "' has an unknown dtype code " + std::to_string(view.dtype) +
                       " or a bad rank");
    }
    return {name, static_cast<dtype>(view.dtype), shape(std::vector<std::int64_t>(view.dims, view.dims + view.rank))};
}

tensor format_reader::read(std::int64_t index, const tensor_info& info)
{
    tensor t(info.type, info.dims);
    const std::string what = "cannot read tensor '" + info.name + "'";
    if (t.type() == dtype::string) {
        const auto read_strings = field_or(table_, &mlrun_format_table::read_strings, nullptr);
        if (read_strings == nullptr) {
            throw io_error(path_ + ": " + what + ": the " + format_name_ + " format does not support reading string tensors");
        }
        if (const mlrun_status status = read_strings(reader_, index, collect_string, &t.strings()); status != MLRUN_STATUS_OK) {
            fail(status, what);
        }
    } else if (const mlrun_status status = table_.read_tensor(reader_, index, t.bytes(), t.byte_size());
               status != MLRUN_STATUS_OK) {
        fail(status, what);
    }
    return t;
}

std::map<std::string, std::string> format_reader::metadata()
{
    std::map<std::string, std::string> result;
    const std::int64_t entries = table_.metadata_count(reader_);
    for (std::int64_t i = 0; i < entries; ++i) {
        const char* key = nullptr;
        const char* value = nullptr;
        if (const mlrun_status status = table_.metadata_entry(reader_, i, &key, &value); status != MLRUN_STATUS_OK) {
            fail(status, "cannot read metadata entry #" + std::to_string(i));
        }
        if (key == nullptr || value == nullptr) {
            throw io_error(path_ + ": metadata entry #" + std::to_string(i) + " has no key or value");
        }
        result[key] = value;
    }
    return result;
}

}  // namespace mlrun
