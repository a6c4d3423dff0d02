#include "checkpoint_view.hpp"

#include "keras_names.hpp"
#include "proto/tensor_bundle.pb.h"
#include "tf_types.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace mlrun::tf {
namespace {

std::string shape_text(const std::vector<std::int64_t>& dims)
{
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

// "beta_1: 0.899999976" for a legacy optimizer's setting variable; mlrun
// takes its settings from the experiment, so these are reported, not loaded.
std::string setting_line(const bundle_reader& bundle, const bundle_entry& e)
{
    std::string name = e.key;
    const std::size_t attributes = name.find("/.ATTRIBUTES/");
    if (attributes != std::string::npos) name.resize(attributes);
    name = name.substr(name.rfind('/') + 1);
    if (e.dtype == DT_FLOAT && e.dims.empty()) {
        float value = 0.0f;
        bundle.read_numeric(e, &value);
        char text[32];
        std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
        return name + ": " + text + "\n";
    }
    return name + ": (" + tf_dtype_name(e.dtype) + " " + shape_text(e.dims) + ")\n";
}

keras_mapping read_mapping(const bundle_reader& bundle, const tf_options& options)
{
    const bundle_entry* graph_entry = bundle.find(object_graph_key);
    if (options.names != naming::mlrun || graph_entry == nullptr || !options.require_data) return {};
    TrackableObjectGraph graph;
    const std::vector<std::string> bytes = bundle.read_strings(*graph_entry);
    if (bytes.size() != 1 || !graph.ParseFromString(bytes[0])) {
        throw std::runtime_error(bundle.data_file(graph_entry->shard) + ": tensor '" + object_graph_key +
                                 "' is not a TrackableObjectGraph");
    }
    return map_keras_keys(graph, options.layer_names);
}

}  // namespace

checkpoint_view view_checkpoint(const bundle_reader& bundle, const tf_options& options)
{
    std::vector<const bundle_entry*> order;
    for (const bundle_entry& e : bundle.entries()) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), [](const bundle_entry* a, const bundle_entry* b) {
        return a->shard != b->shard ? a->shard < b->shard : a->offset < b->offset;
    });
    const keras_mapping mapping = read_mapping(bundle, options);
    const bool mlrun_names = options.names == naming::mlrun;

    checkpoint_view view;
    std::string skipped;
    std::string settings;
    for (const bundle_entry* e : order) {
        const int dtype = mlrun_dtype_of(e->dtype);
        if (e->sliced || dtype == 0) {
            skipped += e->key + ": " + tf_dtype_name(e->dtype) + " " + shape_text(e->dims) +
                       (e->sliced ? " (a slice of a partitioned variable)\n" : " (mlrun has no such type)\n");
            continue;
        }
        if (mlrun_names) {
            const bool scalar_string = e->dtype == DT_STRING && e->dims.empty();
            if (e->key == object_graph_key) continue;
            if (e->key.rfind(metadata_prefix, 0) == 0 && scalar_string) {
                if (options.require_data) {
                    view.metadata.emplace_back(e->key.substr(std::strlen(metadata_prefix)), bundle.read_strings(*e).at(0));
                }
                continue;
            }
            if (mapping.hyperparameters.count(e->key) != 0) {
                settings += setting_line(bundle, *e);
                continue;
            }
            if (mapping.non_variables.count(e->key) != 0) {
                if (scalar_string) view.metadata.emplace_back("tf_object_config/" + e->key, bundle.read_strings(*e).at(0));
                else skipped += e->key + ": " + tf_dtype_name(e->dtype) + " (not a variable)\n";
                continue;
            }
            const auto mapped = mapping.names.find(e->key);
            if (mapped != mapping.names.end()) {
                view.tensors.push_back({mapped->second, e, dtype});
                continue;
            }
        }
        view.tensors.push_back({e->key, e, dtype});
    }
    if (!settings.empty()) view.metadata.emplace_back("tf_optimizer_settings", settings);
    if (!skipped.empty()) view.metadata.emplace_back("tf_skipped_tensors", skipped);
    return view;
}

}  // namespace mlrun::tf
