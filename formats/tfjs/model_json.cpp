#include "model_json.hpp"

#include "interop/keras/format_error.hpp"

#include <cmath>
#include <limits>

namespace mlrun::tfjs {

using interop::keras::format_error;
using interop::keras::member;

namespace {

// Far more than any model mlrun builds (size_limits.hpp allows 2^31
// elements per tensor), and small enough that sums of sizes cannot wrap.
constexpr std::int64_t max_elements = std::int64_t(1) << 34;

std::string text_of(const json& value) { return interop::keras::json_excerpt(value); }

std::string required_string(const json& object, const char* key, const std::string& where)
{
    const json* value = member(object, key);
    if (value == nullptr || !value->is_string()) {
        throw format_error(where + ": expected a string '" + key + "', found " +
                           (value == nullptr ? std::string("none") : text_of(*value)));
    }
    return value->get<std::string>();
}

// A shard must be a file beside model.json: "./x.bin" and "x.bin" are, a
// path with a directory, "..", or an absolute path is not.
std::string checked_shard_path(const json& path, const std::string& where)
{
    if (!path.is_string()) throw format_error(where + ": a shard path must be a string, found " + text_of(path));
    std::string name = path.get<std::string>();
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        name.find('\\') != std::string::npos || name.find('\0') != std::string::npos) {
        throw format_error(where + ": shard path '" + path.get<std::string>() +
                           "' is not a file name beside model.json (no directories, no '..')");
    }
    return name;
}

std::vector<std::int64_t> checked_shape(const json& shape, const std::string& where)
{
    if (!shape.is_array()) throw format_error(where + ": expected a shape (a list of sizes), found " + text_of(shape));
    if (shape.size() > 8) throw format_error(where + ": shape has " + std::to_string(shape.size()) + " dimensions; at most 8");
    std::vector<std::int64_t> dims;
    std::int64_t count = 1;
    for (const json& d : shape) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0) {
            throw format_error(where + ": expected a shape of sizes >= 0, found " + text_of(shape));
        }
        dims.push_back(d.get<std::int64_t>());
        if (dims.back() != 0 && count > max_elements / dims.back()) {
            throw format_error(where + ": shape " + text_of(shape) + " has more than 2^34 elements");
        }
        count *= dims.back();
    }
    return dims;
}

double finite_number(const json& quantization, const char* key, const std::string& where)
{
    const json* value = member(quantization, key);
    if (value == nullptr || !value->is_number() || !std::isfinite(value->get<double>())) {
        throw format_error(where + ": quantization needs a finite number '" + key + "', found " +
                           (value == nullptr ? std::string("none") : text_of(*value)));
    }
    return value->get<double>();
}

manifest_weight parse_weight(const json& entry, const std::string& where)
{
    if (!entry.is_object()) throw format_error(where + ": expected a weight entry (an object), found " + text_of(entry));
    manifest_weight w;
    w.name = required_string(entry, "name", where);
    const std::string at = where + ": weight '" + w.name + "'";
    const json* shape = member(entry, "shape");
    if (shape == nullptr) throw format_error(at + ": no shape");
    w.shape = checked_shape(*shape, at);
    w.dtype = required_string(entry, "dtype", at);
    if (w.dtype == "bool" || w.dtype == "string" || w.dtype == "complex64") {
        throw format_error(at + ": dtype '" + w.dtype + "' is one TF.js has but mlrun's weights do not (float32, int32)");
    }
    if (w.dtype != "float32" && w.dtype != "int32") {
        throw format_error(at + ": dtype '" + w.dtype +
                           "' is not a TF.js dtype (float32, int32, bool, string, complex64)");
    }
    if (const json* group = member(entry, "group"); group != nullptr && !group->is_null()) {
        if (!group->is_string()) throw format_error(at + ": group must be a string, found " + text_of(*group));
        w.group = group->get<std::string>();
    }
    if (const json* q = member(entry, "quantization"); q != nullptr && !q->is_null()) {
        if (!q->is_object()) throw format_error(at + ": quantization must be an object, found " + text_of(*q));
        w.quantized_dtype = required_string(*q, "dtype", at + ": quantization");
        if (w.quantized_dtype != "float16" && w.quantized_dtype != "uint8" && w.quantized_dtype != "uint16") {
            throw format_error(at + ": quantization dtype '" + w.quantized_dtype + "'; TF.js has float16, uint8, uint16");
        }
        if (w.quantized_dtype != "float16") {
            w.scale = finite_number(*q, "scale", at);
            w.min = finite_number(*q, "min", at);
        }
        if (const json* original = member(*q, "original_dtype"); original != nullptr && !original->is_null()) {
            if (!original->is_string() || original->get<std::string>() != w.dtype) {
                throw format_error(at + ": quantization original_dtype " + text_of(*original) +
                                   " disagrees with its dtype '" + w.dtype + "'");
            }
        }
    }
    return w;
}

weight_group parse_group(const json& entry, const std::string& where)
{
    if (!entry.is_object()) throw format_error(where + ": expected an object with paths and weights, found " + text_of(entry));
    const json* paths = member(entry, "paths");
    const json* weights = member(entry, "weights");
    if (paths == nullptr || !paths->is_array()) throw format_error(where + ": expected a list 'paths' of shard files");
    if (weights == nullptr || !weights->is_array()) throw format_error(where + ": expected a list 'weights'");
    weight_group group;
    for (const json& p : *paths) group.paths.push_back(checked_shard_path(p, where));
    for (const json& w : *weights) group.weights.push_back(parse_weight(w, where));
    if (group.paths.empty() && group.stored_bytes() > 0) throw format_error(where + ": weights but no shard paths");
    return group;
}

json weight_entry(const manifest_weight& w)
{
    json entry = json::object();
    entry["name"] = w.name;
    entry["shape"] = w.shape;
    entry["dtype"] = w.dtype;
    if (!w.group.empty()) entry["group"] = w.group;
    if (!w.quantized_dtype.empty()) {
        json q = json::object();
        if (w.quantized_dtype != "float16") {
            q["scale"] = w.scale;
            q["min"] = w.min;
        }
        q["dtype"] = w.quantized_dtype;
        q["original_dtype"] = w.dtype;
        entry["quantization"] = q;
    }
    return entry;
}

}  // namespace

std::uint64_t weight_group::stored_bytes() const
{
    std::uint64_t total = 0;
    for (const manifest_weight& w : weights) total += w.stored_bytes();
    return total;
}

model_artifacts parse_model_json(const std::string& text, const std::string& where)
{
    const json root = interop::keras::parse_json(text, where);
    if (!root.is_object()) throw format_error(where + ": expected a TF.js model (a JSON object), found " + text_of(root));
    model_artifacts a;
    if (const json* format = member(root, "format"); format != nullptr && !format->is_null()) {
        if (!format->is_string() || format->get<std::string>() != layers_model_format) {
            throw format_error(where + ": format " + text_of(*format) +
                               "; mlrun reads TF.js Layers models (format \"layers-model\"), not graph models");
        }
    }
    if (const json* by = member(root, "generatedBy"); by != nullptr && by->is_string()) a.generated_by = by->get<std::string>();
    if (const json* by = member(root, "convertedBy"); by != nullptr && by->is_string()) a.converted_by = by->get<std::string>();
    const json* topology = member(root, "modelTopology");
    if (topology == nullptr || !topology->is_object()) {
        throw format_error(where + ": no 'modelTopology' object (the Keras model config of a TF.js Layers model)");
    }
    // The converter nests the Keras JSON as {"model_config": ..., "training_config": ...} in some versions.
    if (const json* nested = member(*topology, "model_config"); nested != nullptr && nested->is_object()) {
        a.topology = *nested;
        if (const json* tc = member(*topology, "training_config"); tc != nullptr) a.training_config = *tc;
    } else {
        a.topology = *topology;
    }
    if (const json* tc = member(root, "trainingConfig"); tc != nullptr && !tc->is_null()) {
        if (!tc->is_object()) throw format_error(where + ": trainingConfig must be an object, found " + text_of(*tc));
        a.training_config = *tc;
    }
    if (const json* user = member(root, "userDefinedMetadata"); user != nullptr) a.user_metadata = *user;
    const json* manifest = member(root, "weightsManifest");
    if (manifest == nullptr || !manifest->is_array()) {
        throw format_error(where + ": no 'weightsManifest' list (which shard files hold which weights)");
    }
    for (std::size_t i = 0; i < manifest->size(); ++i) {
        a.manifest.push_back(parse_group((*manifest)[i], where + ": weightsManifest[" + std::to_string(i) + "]"));
    }
    return a;
}

std::string model_json_text(const model_artifacts& a)
{
    json root = json::object();
    root["format"] = layers_model_format;
    root["generatedBy"] = a.generated_by;
    root["convertedBy"] = a.converted_by;
    root["modelTopology"] = a.topology;
    if (!a.training_config.is_null()) root["trainingConfig"] = a.training_config;
    if (!a.user_metadata.is_null()) root["userDefinedMetadata"] = a.user_metadata;
    json manifest = json::array();
    for (const weight_group& g : a.manifest) {
        json weights = json::array();
        for (const manifest_weight& w : g.weights) weights.push_back(weight_entry(w));
        manifest.push_back({{"paths", g.paths}, {"weights", weights}});
    }
    root["weightsManifest"] = manifest;
    return root.dump() + "\n";
}

std::string shard_name(std::size_t group, std::size_t shard, std::size_t shards)
{
    return "group" + std::to_string(group) + "-shard" + std::to_string(shard) + "of" + std::to_string(shards) + ".bin";
}

}  // namespace mlrun::tfjs
