// Shared by the ONNX export tests: a model's checkpoint staged as the
// plugin receives it, and the ops of an exported graph.
#pragma once

#include "staged_export.hpp"

#include "support/test_models.hpp"

#include "mlrun/checkpoint/model_state.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <string>
#include <vector>

namespace mlrun::testing {

// What the plugin stages for `m` (weights and model_config, no optimizer).
inline onnx_format::staged_export staged_model(const model& m)
{
    const checkpoint ckpt = capture_state(m, nullptr);
    onnx_format::staged_export staged;
    for (const auto& [name, t] : ckpt.tensors) {
        onnx_format::staged_tensor s;
        s.name = name;
        s.dtype = static_cast<mlrun_dtype>(t.type());
        s.dims = t.dims().dims();
        const auto* bytes = reinterpret_cast<const unsigned char*>(t.bytes());
        s.bytes.assign(bytes, bytes + t.byte_size());
        staged.tensors.push_back(std::move(s));
    }
    for (const auto& [key, value] : ckpt.metadata) staged.metadata.emplace_back(key, value);
    return staged;
}

inline onnx_format::staged_export staged_model(const std::string& layers_yaml)
{
    return staged_model(*model_from_yaml(layers_yaml));
}

// "Gemm Relu Identity ..." in graph order.
inline std::string op_types(const onnx::ModelProto& model)
{
    std::string ops;
    for (const onnx::NodeProto& n : model.graph().node()) ops += (ops.empty() ? "" : " ") + n.op_type();
    return ops;
}

}  // namespace mlrun::testing
