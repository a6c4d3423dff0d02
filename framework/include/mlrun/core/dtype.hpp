// Element types. Compute is float32; the others let formats carry
// counters, labels and metadata.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mlrun {

enum class dtype : std::int32_t {
    float32 = MLRUN_DTYPE_FLOAT32,
    int64 = MLRUN_DTYPE_INT64,
    int32 = MLRUN_DTYPE_INT32,
    uint8 = MLRUN_DTYPE_UINT8,
    string = MLRUN_DTYPE_STRING,
};

// Bytes per element; 0 for string, whose elements live outside the buffer.
std::size_t dtype_size(dtype type);
std::string_view dtype_name(dtype type);

template <class T> constexpr dtype dtype_of();
template <> constexpr dtype dtype_of<float>() { return dtype::float32; }
template <> constexpr dtype dtype_of<std::int64_t>() { return dtype::int64; }
template <> constexpr dtype dtype_of<std::int32_t>() { return dtype::int32; }
template <> constexpr dtype dtype_of<std::uint8_t>() { return dtype::uint8; }

}  // namespace mlrun
