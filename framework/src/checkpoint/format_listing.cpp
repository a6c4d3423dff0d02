#include "mlrun/checkpoint/format_listing.hpp"

#include "format_reader.hpp"

namespace mlrun {

checkpoint_listing list_tensors(const plugin_record& plugin, const std::string& path, const format_options& options)
{
    const format checked(plugin);  // refuses plugins that are not formats
    format_reader reader(*static_cast<const mlrun_format_table*>(plugin.descriptor().table), checked.name(), path,
                         options, true);
    checkpoint_listing result;
    const std::int64_t count = reader.tensor_count();
    for (std::int64_t i = 0; i < count; ++i) {
        format_reader::tensor_info info = reader.info(i);
        result.tensors.push_back({std::move(info.name), info.type, std::move(info.dims)});
    }
    result.metadata = reader.metadata();
    return result;
}

}  // namespace mlrun
