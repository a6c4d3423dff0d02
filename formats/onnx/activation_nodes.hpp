// Keras's activations (Keras 3's definitions, as mlrun computes them) as
// ONNX nodes of opset 17. Those without an op of their own there (gelu,
// gelu_tanh, silu, mish) are built from elementwise ops.
#pragma once

#include "graph_context.hpp"

#include <string>

namespace mlrun::onnx_format {

// The nodes of activation `name` from `input` to `output`, for `layer`;
// format_error naming the layer for an activation with no mapping. Softmax
// and log_softmax are over the last axis, as mlrun's are.
void activation_node(graph_context& graph, const layer_entry& layer, const std::string& name,
                     const std::string& input, const std::string& output);

}  // namespace mlrun::onnx_format
