// The convolutions and poolings. mlrun's values are channels_last (NHWC,
// [steps, channels] for 1D) and its kernels HWIO; ONNX's Conv, ConvTranspose,
// MaxPool and AveragePool take NCHW and OIHW. Each such layer transposes its
// input to channels_first and its result back, so every value between
// layers keeps mlrun's layout and Flatten, Reshape and Dense read the cells
// in Keras's order; ONNX Runtime's optimizer cancels the back-to-back pairs
// of adjacent layers. Kernels stay the checkpoint's bytes, rearranged by a
// Transpose (and Reshape) node on the initializer, which runtimes fold.
#pragma once

#include "node_settings.hpp"

namespace mlrun::onnx_format {

// Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D, Conv2DTranspose,
// MaxPooling1D/2D, AveragePooling1D/2D and the four global poolings.
exporter_table window_exporters();

}  // namespace mlrun::onnx_format
