// ONNX files on disk: written whole (temporary file, checked by
// onnx::checker, renamed into place) and read back for `mlrun inspect`.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

namespace mlrun::onnx_format {

// Serialises `model` to a temporary file beside `path`, has
// onnx::checker::check_model check that file, then renames it over `path`.
// On any failure `path` is left as it was and the temporary is removed.
void write_model_file(const std::string& path, const onnx::ModelProto& model);

// Parses the ModelProto in `path`: a regular file, at most 2 GiB (protobuf's
// limit without external data). format_error names the file.
onnx::ModelProto read_model_file(const std::string& path);

}  // namespace mlrun::onnx_format
