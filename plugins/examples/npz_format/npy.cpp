#include "npy.hpp"

#include <mlrun/abi/mlrun_abi.h>

#include <cstring>
#include <stdexcept>

namespace npz {
namespace {

const char magic[] = "\x93NUMPY";
constexpr std::size_t magic_size = 6;

struct dtype_name {
    int32_t dtype;
    const char* descr;
    std::size_t size;
};

const dtype_name dtypes[] = {
    {MLRUN_DTYPE_FLOAT32, "<f4", 4},
    {MLRUN_DTYPE_INT64, "<i8", 8},
    {MLRUN_DTYPE_INT32, "<i4", 4},
    {MLRUN_DTYPE_UINT8, "|u1", 1},
};

// The text between quotes after `'key': ` in the header dictionary.
std::string field(const std::string& header, const std::string& key)
{
    const std::size_t at = header.find("'" + key + "':");
    if (at == std::string::npos) throw std::runtime_error("npy header has no '" + key + "'");
    std::size_t start = at + key.size() + 3;
    while (start < header.size() && header[start] == ' ') ++start;
    std::size_t end = start;
    if (header[start] == '\'') {
        end = header.find('\'', start + 1);
        return header.substr(start + 1, end - start - 1);
    }
    if (header[start] == '(') {
        end = header.find(')', start);
        return header.substr(start + 1, end - start - 1);
    }
    end = header.find_first_of(",}", start);
    return header.substr(start, end - start);
}

}  // namespace

std::string encode_npy(int32_t dtype, const int64_t* dims, int32_t rank, const void* data, uint64_t byte_size)
{
    const dtype_name* type = nullptr;
    for (const dtype_name& d : dtypes) {
        if (d.dtype == dtype) type = &d;
    }
    if (type == nullptr) throw std::runtime_error("this format stores numeric tensors only");
    std::string shape;
    for (int32_t i = 0; i < rank; ++i) shape += std::to_string(dims[i]) + (rank == 1 || i + 1 < rank ? "," : "");
    std::string header = "{'descr': '" + std::string(type->descr) + "', 'fortran_order': False, 'shape': (" + shape + "), }";
    // The header is padded with spaces so the data starts 64-byte aligned.
    const std::size_t unpadded = magic_size + 2 + 2 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';
    std::string out(magic, magic_size);
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xff);
    out += static_cast<char>(header.size() >> 8);
    out += header;
    out.append(static_cast<const char*>(data), byte_size);
    return out;
}

npy_array decode_npy(const std::string& file)
{
    if (file.size() < magic_size + 4 || file.compare(0, magic_size, magic, magic_size) != 0) {
        throw std::runtime_error("not a .npy array (bad magic)");
    }
    const int major = static_cast<unsigned char>(file[magic_size]);
    std::size_t header_size = 0;
    std::size_t offset = 0;
    if (major == 1) {
        header_size = static_cast<unsigned char>(file[8]) | static_cast<std::size_t>(static_cast<unsigned char>(file[9])) << 8;
        offset = 10;
    } else {
        throw std::runtime_error(".npy version " + std::to_string(major) + " is not supported (expected 1)");
    }
    if (offset + header_size > file.size()) throw std::runtime_error(".npy header is truncated");
    const std::string header = file.substr(offset, header_size);
    const std::string descr = field(header, "descr");
    if (field(header, "fortran_order") != "False") throw std::runtime_error("Fortran-order arrays are not supported");

    npy_array array;
    std::size_t element_size = 0;
    for (const dtype_name& d : dtypes) {
        if (descr == d.descr) array.dtype = d.dtype, element_size = d.size;
    }
    if (element_size == 0) throw std::runtime_error("unsupported .npy dtype '" + descr + "'");
    uint64_t count = 1;
    const std::string shape = field(header, "shape");
    std::size_t pos = 0;
    while (pos < shape.size()) {
        const std::size_t comma = shape.find(',', pos);
        const std::string item = shape.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (item.find_first_not_of(' ') != std::string::npos) {
            array.dims.push_back(std::stoll(item));
            count *= static_cast<uint64_t>(array.dims.back());
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    const std::size_t data_offset = offset + header_size;
    if (file.size() - data_offset != count * element_size) {
        throw std::runtime_error(".npy holds " + std::to_string(file.size() - data_offset) + " data bytes, shape (" +
                                 shape + ") needs " + std::to_string(count * element_size));
    }
    array.bytes = file.substr(data_offset);
    return array;
}

}  // namespace npz
