#include "onnx_inspect.hpp"

#include "onnx_error.hpp"

#include <cstring>
#include <limits>
#include <set>

namespace mlrun::onnx_format {
namespace {

struct element_type {
    mlrun_dtype dtype;
    std::size_t size;
};

bool known_type(int onnx_type, element_type& out)
{
    switch (onnx_type) {
    case onnx::TensorProto::FLOAT: out = {MLRUN_DTYPE_FLOAT32, 4}; return true;
    case onnx::TensorProto::INT64: out = {MLRUN_DTYPE_INT64, 8}; return true;
    case onnx::TensorProto::INT32: out = {MLRUN_DTYPE_INT32, 4}; return true;
    default: return false;
    }
}

// Values kept in a typed field instead of raw_data, stored as T (int32
// tensors keep theirs in int32_data, int64 ones in int64_data).
template <class T, class Values>
void copy_values(const Values& values, std::vector<unsigned char>& bytes)
{
    bytes.resize(static_cast<std::size_t>(values.size()) * sizeof(T));
    for (int i = 0; i < values.size(); ++i) {
        const T v = static_cast<T>(values.Get(i));
        std::memcpy(bytes.data() + static_cast<std::size_t>(i) * sizeof(T), &v, sizeof(T));
    }
}

staged_tensor initializer(const onnx::TensorProto& init, const std::string& path)
{
    const std::string where = path + ": initializer '" + init.name() + "'";
    element_type type{};
    if (!known_type(init.data_type(), type)) {
        throw format_error(where + ": ONNX data type " + std::to_string(init.data_type()) +
                           " (" + onnx::TensorProto::DataType_Name(init.data_type()) +
                           "), mlrun shows float32, int64 and int32 tensors");
    }
    if (init.data_location() == onnx::TensorProto::EXTERNAL) {
        throw format_error(where + ": its data is in an external file, which mlrun does not read");
    }
    staged_tensor t;
    t.name = init.name();
    t.dtype = type.dtype;
    std::uint64_t count = 1;
    for (const std::int64_t d : init.dims()) {
        if (d < 0 || (d > 0 && count > std::numeric_limits<std::uint64_t>::max() / 8 / static_cast<std::uint64_t>(d))) {
            throw format_error(where + ": impossible dimension " + std::to_string(d));
        }
        count *= static_cast<std::uint64_t>(d);
        t.dims.push_back(d);
    }
    if (init.has_raw_data()) {
        t.bytes.assign(init.raw_data().begin(), init.raw_data().end());
    } else if (type.dtype == MLRUN_DTYPE_FLOAT32) {
        copy_values<float>(init.float_data(), t.bytes);
    } else if (type.dtype == MLRUN_DTYPE_INT64) {
        copy_values<std::int64_t>(init.int64_data(), t.bytes);
    } else {
        copy_values<std::int32_t>(init.int32_data(), t.bytes);
    }
    if (t.bytes.size() != count * type.size) {
        throw format_error(where + ": holds " + std::to_string(t.bytes.size()) + " bytes, its dims need " +
                           std::to_string(count * type.size));
    }
    return t;
}

std::string value_text(const onnx::ValueInfoProto& value)
{
    std::string text = value.name();
    if (!value.type().has_tensor_type()) return text + ": not a tensor";
    const onnx::TypeProto_Tensor& tensor = value.type().tensor_type();
    text += ": " + onnx::TensorProto::DataType_Name(tensor.elem_type()) + " [";
    for (int i = 0; i < tensor.shape().dim_size(); ++i) {
        const onnx::TensorShapeProto_Dimension& d = tensor.shape().dim(i);
        text += (i == 0 ? "" : ", ") + (d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
    }
    return text + "]";
}

template <class Values>
std::string value_list(const Values& values, const std::set<std::string>& skip = {})
{
    std::string text;
    for (const onnx::ValueInfoProto& v : values) {
        if (skip.count(v.name()) == 0) text += (text.empty() ? "" : "\n") + value_text(v);
    }
    return text;
}

}  // namespace

inspected_model inspect_model(const onnx::ModelProto& model, const std::string& path)
{
    inspected_model result;
    std::set<std::string> names;
    for (const onnx::TensorProto& init : model.graph().initializer()) {
        if (!names.insert(init.name()).second) throw format_error(path + ": two initializers named '" + init.name() + "'");
        result.initializers.push_back(initializer(init, path));
    }
    auto meta = [&](const std::string& key, const std::string& value) { result.metadata.emplace_back(key, value); };
    meta("onnx_producer", model.producer_name() + " " + model.producer_version());
    meta("onnx_ir_version", std::to_string(model.ir_version()));
    std::string opsets;
    for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
        opsets += (opsets.empty() ? "" : ", ") + (o.domain().empty() ? std::string("ai.onnx") : o.domain()) + " " +
                  std::to_string(o.version());
    }
    meta("onnx_opsets", opsets);
    // Older files list initializers among the inputs too; they are shown as tensors.
    meta("onnx_inputs", value_list(model.graph().input(), names));
    meta("onnx_outputs", value_list(model.graph().output()));
    meta("onnx_nodes", std::to_string(model.graph().node_size()));
    for (const onnx::StringStringEntryProto& p : model.metadata_props()) {
        const std::string key = "onnx_property/" + p.key();
        bool seen = false;
        for (const auto& [k, v] : result.metadata) seen = seen || k == key;
        if (!seen) meta(key, p.value());
    }
    meta("model_config_error",
         "ONNX is export-only in mlrun: the file is for ONNX runtimes, and mlrun cannot load it back as a model to "
         "train, evaluate or predict; use the model file or checkpoint it was exported from");
    return result;
}

}  // namespace mlrun::onnx_format
