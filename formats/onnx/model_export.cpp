#include "model_export.hpp"

#include "graph_context.hpp"
#include "layer_nodes.hpp"
#include "model_outline.hpp"
#include "onnx_error.hpp"

#include "mlrun/version.hpp"

#include <onnx/checker.h>

namespace mlrun::onnx_format {
namespace {

// A float32 value with a dynamic batch axis ("batch") before `shape`.
void declare_value(onnx::ValueInfoProto& value, const std::string& name, const sample_shape& shape)
{
    value.set_name(name);
    onnx::TypeProto_Tensor* type = value.mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    onnx::TensorShapeProto* dims = type->mutable_shape();
    dims->add_dim()->set_dim_param("batch");
    for (const std::int64_t d : shape) dims->add_dim()->set_dim_value(d);
}

void add_property(onnx::ModelProto& model, const std::string& key, const std::string& value)
{
    onnx::StringStringEntryProto* entry = model.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
}

}  // namespace

onnx::ModelProto export_model(const staged_export& source)
{
    const std::string* layers = source.find_metadata("model_config");
    if (layers == nullptr) {
        throw format_error("the checkpoint holds no architecture (model_config), only weights; export a whole "
                           "model (an .h5 model file, a checkpoint of a run)");
    }
    const model_outline outline = read_model_outline(*layers, "model_config");

    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("mlrun");
    model.set_producer_version(MLRUN_VERSION);
    model.set_domain("org.mlrun");
    model.set_model_version(1);
    onnx::OperatorSetIdProto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(export_opset);
    const std::string origin = source.source.empty() ? "an mlrun checkpoint" : source.source;
    model.set_doc_string("exported by mlrun " MLRUN_VERSION " from " + origin);
    if (!source.source.empty()) add_property(model, "source", source.source);
    if (const std::string* experiment = source.find_metadata("experiment")) add_property(model, "experiment", *experiment);

    onnx::GraphProto& graph = *model.mutable_graph();
    graph.set_name(source.source.empty() ? "mlrun_model" : "mlrun model from " + source.source);
    graph.set_doc_string("mlrun layers as ONNX nodes; weights are initializers named <layer>/<weight>");
    graph_context context(graph, source);
    declare_value(*graph.add_input(), outline.input_name, outline.input_shape);
    context.set_shape(outline.input_name, outline.input_shape);
    for (const layer_entry& layer : outline.layers) add_layer_nodes(context, layer);
    const std::string& output = outline.layers.back().name;
    declare_value(*graph.add_output(), output, context.shape_of(output));

    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        throw format_error(std::string("the ONNX checker refuses the exported model: ") + e.what());
    }
    return model;
}

}  // namespace mlrun::onnx_format
