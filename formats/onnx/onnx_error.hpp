// The one error type of the onnx format plugin; its message names the file,
// layer or tensor and says what was expected and what was found.
#pragma once

#include <stdexcept>

namespace mlrun::onnx_format {

struct format_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mlrun::onnx_format
