// The whole ONNX model of a staged checkpoint: its graph (from the
// model_config metadata and the weights), opset, IR version and the
// metadata naming mlrun and the source file.
#pragma once

#include "staged_export.hpp"

#include <onnx/onnx_pb.h>

#include <string>

namespace mlrun::onnx_format {

// The opset every exported model imports (the default domain).
inline constexpr std::int64_t export_opset = 17;

// Builds the model and checks it with onnx::checker; format_error names
// the layer or tensor at fault (the host adds the file's name).
onnx::ModelProto export_model(const staged_export& source);

}  // namespace mlrun::onnx_format
