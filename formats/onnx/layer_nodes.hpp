// How each mlrun layer class becomes ONNX nodes (docs/onnx.md has the
// table). A class or activation with no mapping is refused by name.
#pragma once

#include "graph_context.hpp"

#include <string>

namespace mlrun::onnx_format {

// Appends the nodes of `layer`, whose inputs already have values, and sets
// the shape of its output value (named after the layer).
void add_layer_nodes(graph_context& graph, const layer_entry& layer);

// "Dense, Dropout, ..." for messages and the docs.
std::string exportable_classes();

}  // namespace mlrun::onnx_format
