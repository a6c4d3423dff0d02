#include "mlrun/checkpoint/format_listing.hpp"

#include "mlrun/core/error.hpp"

#include <array>

namespace mlrun {

checkpoint_listing list_tensors(const plugin_record& plugin, const std::string& path,
                                         const format_options& options)
{
    const format checked(plugin);  // refuses plugins that are not formats
    const auto* table = static_cast<const mlrun_format_table*>(plugin.descriptor().table);
    std::vector<mlrun_option> c_options;
    for (const auto& [key, value] : options) c_options.push_back({key.c_str(), value.c_str()});
    std::array<char, 1024> error{};
    mlrun_format_reader* reader = nullptr;
    if (table->open(path.c_str(), c_options.data(), c_options.size(), &reader, error.data(), error.size()) !=
        MLRUN_STATUS_OK) {
        throw io_error(path + ": cannot open as " + checked.name() + ": " + error.data());
    }
    checkpoint_listing result;
    std::string failure;
    const std::int64_t count = table->tensor_count(reader);
    for (std::int64_t i = 0; i < count && failure.empty(); ++i) {
        mlrun_tensor_view info{};
        if (table->tensor_info(reader, i, &info) != MLRUN_STATUS_OK) {
            failure = "cannot describe tensor #" + std::to_string(i) + ": " + table->reader_error(reader);
        } else if (info.dtype < MLRUN_DTYPE_FLOAT32 || info.dtype > MLRUN_DTYPE_STRING || info.rank < 0) {
            failure = "tensor '" + std::string(info.name != nullptr ? info.name : "") + "' has an unknown dtype or rank";
        } else {
            result.tensors.push_back({info.name != nullptr ? info.name : "", static_cast<dtype>(info.dtype),
                              shape(std::vector<std::int64_t>(info.dims, info.dims + info.rank))});
        }
    }
    const std::int64_t entries = failure.empty() ? table->metadata_count(reader) : 0;
    for (std::int64_t i = 0; i < entries && failure.empty(); ++i) {
        const char* key = nullptr;
        const char* value = nullptr;
        if (table->metadata_entry(reader, i, &key, &value) != MLRUN_STATUS_OK || key == nullptr || value == nullptr) {
            failure = std::string("cannot read metadata: ") + table->reader_error(reader);
        } else {
            result.metadata[key] = value;
        }
    }
    table->close(reader);
    if (!failure.empty()) throw io_error(path + ": " + failure);
    return result;
}

}  // namespace mlrun
