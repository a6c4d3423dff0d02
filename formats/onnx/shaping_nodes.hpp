// The layers that move cells without arithmetic on channels_last values:
// Reshape, Permute, ZeroPadding2D, Cropping2D, UpSampling2D, and Embedding
// (a row lookup).
#pragma once

#include "node_settings.hpp"

namespace mlrun::onnx_format {

exporter_table shaping_exporters();

}  // namespace mlrun::onnx_format
