// A Keras format plugin's own copy of a checkpoint: what the host hands
// over while saving, and what a reader returns. Plugins link nothing of
// the framework library, so the Keras translation works on this small
// mirror of mlrun's checkpoint.
//
// Names follow the framework's canonical scheme: "<layer>/<weight>" for
// weights ("dense/kernel"), "optimizer/iterations", and optimizer slots as
// "optimizer/<layer>/<weight>/<slot>" ("optimizer/dense/kernel/m").
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mlrun::interop::keras {

inline constexpr const char* optimizer_prefix = "optimizer/";
inline constexpr const char* iterations_name = "optimizer/iterations";

struct staged_tensor {
    std::string name;
    mlrun_dtype dtype = MLRUN_DTYPE_FLOAT32;
    std::vector<std::int64_t> dims;
    std::vector<unsigned char> bytes;  // row-major, little-endian

    std::int64_t element_count() const;
};

struct staged_checkpoint {
    std::vector<staged_tensor> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;  // in the order they were set

    const staged_tensor* find(const std::string& name) const;
    // The value of metadata `key`, or nullptr.
    const std::string* meta(const std::string& key) const;
    void set_meta(const std::string& key, std::string value);
};

// "(784, 512)" as the framework prints shapes.
std::string shape_text(const std::vector<std::int64_t>& dims);

bool starts_with(const std::string& text, const std::string& prefix);
bool ends_with(const std::string& text, const std::string& suffix);

}  // namespace mlrun::interop::keras
