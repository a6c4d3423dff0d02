// The ONNX graph while it is built: nodes, initializers and the per-sample
// shape of every value, so each layer's nodes can check what they take.
//
// Value names: a layer's output is the layer's name, its weights are
// "<layer>/<weight>" (the checkpoint's names), and values between a layer's
// own nodes and its constants are "<layer>/<what>" ("<layer>/<what>_1" when
// the layer has two).
#pragma once

#include "model_outline.hpp"
#include "staged_export.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mlrun::onnx_format {

using sample_shape = std::vector<std::int64_t>;  // without the batch axis

class graph_context {
public:
    graph_context(onnx::GraphProto& graph, const staged_export& source);

    // The per-sample shape of value `name`; format_error when it is unknown.
    const sample_shape& shape_of(const std::string& name) const;
    void set_shape(const std::string& name, sample_shape shape);

    // Adds the checkpoint's float32 tensor "<layer>/<weight>" as an
    // initializer, after checking it has `expected` dims; returns its name.
    std::string weight(const layer_entry& layer, const std::string& weight, const sample_shape& expected);
    // Adds a float32 initializer of the exporter's own (a constant the ONNX op needs).
    std::string constant(const std::string& name, const sample_shape& dims, const std::vector<float>& values);
    // The same for int64 constants (shapes, pads, slice bounds).
    std::string int64_constant(const std::string& name, const sample_shape& dims, const std::vector<std::int64_t>& values);
    // "<layer>/<what>", or with _1, _2, ... when the graph has that name already.
    std::string fresh(const layer_entry& layer, const std::string& what) const;

    // Appends a node of the default domain; returns it for attributes.
    onnx::NodeProto& node(const std::string& op, const layer_entry& layer, std::initializer_list<std::string> inputs,
                          const std::string& output);
    onnx::NodeProto& node(const std::string& op, const layer_entry& layer, const std::vector<std::string>& inputs,
                          const std::string& output);

    // "layer 'name' (Class)" for messages.
    std::string where(const layer_entry& layer) const;

private:
    void claim(const std::string& name);

    onnx::GraphProto& graph_;
    const staged_export& source_;
    std::map<std::string, sample_shape> shapes_;
    std::set<std::string> names_;  // every value and initializer so far
};

std::string shape_text(const sample_shape& shape);

}  // namespace mlrun::onnx_format
