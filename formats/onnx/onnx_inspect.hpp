// What `mlrun inspect model.onnx` shows: the graph's initializers as
// tensors, and its inputs, outputs, opset and producer as metadata. ONNX
// is export-only: the metadata also says why the file cannot be loaded
// back as a model (model_config_error, which the host reports).
#pragma once

#include "staged_export.hpp"

#include <onnx/onnx_pb.h>

#include <string>
#include <utility>
#include <vector>

namespace mlrun::onnx_format {

struct inspected_model {
    std::vector<staged_tensor> initializers;                    // float32, int64 and int32 ones
    std::vector<std::pair<std::string, std::string>> metadata;  // in order, keys unique
};

// format_error names `path` and the initializer mlrun cannot show (another
// dtype, external data, a size that does not match its dims).
inspected_model inspect_model(const onnx::ModelProto& model, const std::string& path);

}  // namespace mlrun::onnx_format
