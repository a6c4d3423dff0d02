// The .npy array format (version 1.0): a header naming dtype and shape,
// then the raw little-endian elements in C order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace npz {

struct npy_array {
    int32_t dtype = 0;  // mlrun_dtype
    std::vector<int64_t> dims;
    std::string bytes;  // the elements
};

// Serialises header and data; throws std::runtime_error for dtypes .npy
// cannot hold here (strings).
std::string encode_npy(int32_t dtype, const int64_t* dims, int32_t rank, const void* data, uint64_t byte_size);

// Parses a .npy file; throws std::runtime_error naming what is wrong.
npy_array decode_npy(const std::string& file);

}  // namespace npz
