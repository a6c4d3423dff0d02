// What the plugin collects between save_begin and save_commit: the
// checkpoint's tensors and metadata, and where the model came from.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlrun::onnx_format {

struct staged_tensor {
    std::string name;
    mlrun_dtype dtype = MLRUN_DTYPE_FLOAT32;
    std::vector<std::int64_t> dims;
    std::vector<unsigned char> bytes;  // numeric tensors only: little-endian, row-major
};

struct staged_export {
    std::vector<staged_tensor> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;
    std::string source;  // the file the model came from (option `source`), may be empty

    const staged_tensor* find_tensor(const std::string& name) const;
    const std::string* find_metadata(const std::string& key) const;
};

}  // namespace mlrun::onnx_format
