#include "graph_context.hpp"

#include "onnx_error.hpp"

#include <cstring>

namespace mlrun::onnx_format {

std::string shape_text(const sample_shape& shape)
{
    std::string text = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
    return text + (shape.size() == 1 ? ",)" : ")");
}

graph_context::graph_context(onnx::GraphProto& graph, const staged_export& source) : graph_(graph), source_(source)
{
}

const sample_shape& graph_context::shape_of(const std::string& name) const
{
    const auto it = shapes_.find(name);
    if (it == shapes_.end()) throw format_error("no value '" + name + "' before it is used");
    return it->second;
}

void graph_context::set_shape(const std::string& name, sample_shape shape) { shapes_[name] = std::move(shape); }

void graph_context::claim(const std::string& name)
{
    if (!names_.insert(name).second) throw format_error("two values named '" + name + "' in the exported graph");
}

std::string graph_context::fresh(const layer_entry& layer, const std::string& what) const
{
    const std::string base = layer.name + "/" + what;
    std::string name = base;
    for (int i = 1; names_.count(name) != 0; ++i) name = base + "_" + std::to_string(i);
    return name;
}

std::string graph_context::where(const layer_entry& layer) const
{
    return "layer '" + layer.name + "' (" + layer.class_name + ")";
}

std::string graph_context::weight(const layer_entry& layer, const std::string& weight, const sample_shape& expected)
{
    const std::string name = layer.name + "/" + weight;
    const staged_tensor* t = source_.find_tensor(name);
    if (t == nullptr) throw format_error(where(layer) + ": the checkpoint has no tensor '" + name + "'");
    if (t->dtype != MLRUN_DTYPE_FLOAT32 || t->dims != expected) {
        throw format_error(where(layer) + ": tensor '" + name + "': expected float32 " + shape_text(expected) +
                           ", found " + (t->dtype == MLRUN_DTYPE_FLOAT32 ? "float32 " : "another dtype ") +
                           shape_text(t->dims));
    }
    claim(name);
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : t->dims) init->add_dims(d);
    // Both are little-endian float32, the layout raw_data is defined in.
    init->set_raw_data(t->bytes.data(), t->bytes.size());
    return name;
}

std::string graph_context::constant(const std::string& name, const sample_shape& dims, const std::vector<float>& values)
{
    claim(name);
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : dims) init->add_dims(d);
    std::string raw(values.size() * sizeof(float), '\0');
    if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
    init->set_raw_data(raw);
    return name;
}

std::string graph_context::int64_constant(const std::string& name, const sample_shape& dims,
                                          const std::vector<std::int64_t>& values)
{
    claim(name);
    onnx::TensorProto* init = graph_.add_initializer();
    init->set_name(name);
    init->set_data_type(onnx::TensorProto::INT64);
    for (const std::int64_t d : dims) init->add_dims(d);
    for (const std::int64_t v : values) init->add_int64_data(v);
    return name;
}

onnx::NodeProto& graph_context::node(const std::string& op, const layer_entry& layer,
                                     std::initializer_list<std::string> inputs, const std::string& output)
{
    return node(op, layer, std::vector<std::string>(inputs), output);
}

onnx::NodeProto& graph_context::node(const std::string& op, const layer_entry& layer,
                                     const std::vector<std::string>& inputs, const std::string& output)
{
    claim(output);
    onnx::NodeProto* n = graph_.add_node();
    n->set_op_type(op);
    n->set_name(output == layer.name ? layer.name : output);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(output);
    return *n;
}

}  // namespace mlrun::onnx_format
