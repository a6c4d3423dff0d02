#include "checkpoint_writer.hpp"

#include "keras_names.hpp"
#include "model_outline.hpp"

namespace mlrun::tf {

checkpoint_writer::checkpoint_writer(const std::string& prefix, tf_options options)
    : options_(std::move(options)), bundle_(prefix)
{
}

void checkpoint_writer::add_numeric(const std::string& name, int tf_dtype, const std::vector<std::int64_t>& dims,
                                    const void* data, std::uint64_t byte_size)
{
    tensors_.emplace_back(name, bundle_.add_numeric(name, tf_dtype, dims, data, byte_size));
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
