#include "checkpoint_writer.hpp"

#include "keras_names.hpp"
#include "model_outline.hpp"

#include <algorithm>

namespace mlrun::tf {

checkpoint_writer::checkpoint_writer(const std::string& prefix, tf_options options)
    : options_(std::move(options)), bundle_(prefix, shard_role{options_.shard, options_.shards})
{
}

int checkpoint_writer::shard_for(std::uint64_t bytes) const
{
    const std::uint64_t total = options_.sharded_bytes;
    if (options_.shards == 1 || total == 0) return 0;
    // Contiguous runs of tensors, cut where the running total crosses k/shards of it.
    const long double middle = static_cast<long double>(placed_bytes_) + static_cast<long double>(bytes) / 2;
    const auto shard = static_cast<int>(middle * options_.shards / static_cast<long double>(total));
    return std::min(std::max(shard, 0), options_.shards - 1);
}

void checkpoint_writer::add_numeric(const std::string& name, int tf_dtype, const std::vector<std::int64_t>& dims,
                                    const void* data, std::uint64_t byte_size)
{
    const int shard = shard_for(byte_size);
    placed_bytes_ += byte_size;
    tensors_.emplace_back(name, bundle_.add_numeric(name, tf_dtype, dims, data, byte_size, shard));
}

void checkpoint_writer::add_strings(const std::string& name, const std::vector<std::int64_t>& dims,
                                    const std::vector<std::string_view>& elements)
{
    tensors_.emplace_back(name, bundle_.add_strings(name, dims, elements));
}

void checkpoint_writer::add_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }

std::string checkpoint_writer::metadata_value(const std::string& key) const
{
    const auto found = metadata_.find(key);
    return found == metadata_.end() ? "" : found->second;
}

void checkpoint_writer::commit()
{
    if (options_.shard != 0) {  // the index, with the names and metadata, is shard 0's
        bundle_.commit_shard();
        return;
    }
    std::vector<std::pair<std::string, BundleEntryProto>> entries;
    if (options_.names == naming::tensorflow) {
        entries = tensors_;
    } else {
        std::vector<std::string> names;
        for (const auto& t : tensors_) names.push_back(t.first);
        const model_outline outline = read_model_outline(metadata_value("model_config"), metadata_value("optimizer_config"));
        const keras_layout layout = plan_keras_layout(names, outline);
        for (std::size_t i = 0; i < tensors_.size(); ++i) entries.emplace_back(layout.keys[i], tensors_[i].second);
        for (std::size_t i = 0; i < layout.hyperparameter_keys.size(); ++i) {
            const float value = outline.hyperparameters[i].second;
            const std::string& key = layout.hyperparameter_keys[i];
            entries.emplace_back(key, bundle_.add_numeric(key, DT_FLOAT, {}, &value, sizeof value));
        }
        if (!layout.object_graph.empty()) {
            entries.emplace_back(object_graph_key, bundle_.add_strings(object_graph_key, {}, {layout.object_graph}));
        }
    }
    for (const auto& [key, value] : metadata_) {
        const std::string name = metadata_prefix + key;
        entries.emplace_back(name, bundle_.add_strings(name, {}, {value}));
    }
    bundle_.commit(std::move(entries));
}

}  // namespace mlrun::tf
