#include "mlrun/data/array_io.hpp"

#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/regular_file.hpp"
#include "mlrun/data/finite_samples.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace mlrun {
namespace {

const char npy_magic[] = "\x93NUMPY";
constexpr std::size_t npy_magic_size = 6;

bool ends_with(const std::string& text, const std::string& suffix)
{
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string read_all(const std::string& path)
{
    const std::string kind = non_regular_kind(path);
    if (!kind.empty()) throw data_error(non_regular_message(path, kind));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw data_error(path + ": cannot be opened (" + std::strerror(errno) + ")");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

// The value of 'key' in numpy's header, a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (10, 784), }.
std::string header_field(const std::string& header, const std::string& key, const std::string& path)
{
    const std::size_t at = header.find("'" + key + "'");
    if (at == std::string::npos) throw data_error(path + ": .npy header lacks '" + key + "': " + header);
    std::size_t begin = header.find(':', at);
    if (begin == std::string::npos) throw data_error(path + ": unreadable .npy header: " + header);
    ++begin;
    while (begin < header.size() && header[begin] == ' ') ++begin;
    std::size_t end = begin;
    if (header[begin] == '(') {
        end = header.find(')', begin);
        if (end == std::string::npos) throw data_error(path + ": unreadable .npy shape: " + header);
        return header.substr(begin + 1, end - begin - 1);
    }
    if (header[begin] == '\'') {
        end = header.find('\'', begin + 1);
        if (end == std::string::npos) throw data_error(path + ": unreadable .npy header: " + header);
        return header.substr(begin + 1, end - begin - 1);
    }
    end = header.find_first_of(",}", begin);
    return header.substr(begin, end - begin);
}

template <class T>
void convert(const char* raw, float* out, std::int64_t count)
{
    for (std::int64_t i = 0; i < count; ++i) {
        T value;
        std::memcpy(&value, raw + i * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
        out[i] = static_cast<float>(value);
    }
}

tensor read_npy(const std::string& path)
{
    const std::string bytes = read_all(path);
    if (bytes.size() < 10 || bytes.compare(0, npy_magic_size, npy_magic, npy_magic_size) != 0) {
        throw data_error(path + ": not a .npy file (no \\x93NUMPY signature)");
    }
    const int major = static_cast<unsigned char>(bytes[6]);
    std::size_t header_length = 0;
    std::size_t header_start = 0;
    if (major == 1) {
        header_length = static_cast<unsigned char>(bytes[8]) | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
        header_start = 10;
    } else if ((major == 2 || major == 3) && bytes.size() >= 12) {
        for (int i = 3; i >= 0; --i) header_length = header_length << 8 | static_cast<unsigned char>(bytes[8 + i]);
        header_start = 12;
    } else {
        throw data_error(path + ": .npy format version " + std::to_string(major) + " is not one mlrun reads (1 to 3)");
    }
    if (header_start + header_length > bytes.size()) throw data_error(path + ": truncated .npy header");
    const std::string header = bytes.substr(header_start, header_length);
    const std::string descr = header_field(header, "descr", path);
    if (header_field(header, "fortran_order", path) != "False") {
        throw data_error(path + ": the array is in Fortran (column-major) order; save it in C order");
    }
    std::vector<std::int64_t> dims;
    std::stringstream shape_text(header_field(header, "shape", path));
    std::string item;
    std::int64_t count = 1;
    while (std::getline(shape_text, item, ',')) {
        const bool blank = item.find_first_not_of(' ') == std::string::npos;
        if (blank && shape_text.eof()) continue;  // the trailing comma of "(3,)"
        char* end = nullptr;
        errno = 0;
        const long long d = std::strtoll(item.c_str(), &end, 10);
        while (*end == ' ') ++end;
        // strtoll reads no digits as 0: a dimension must be all digits.
        if (blank || *end != '\0' || d < 0 || errno == ERANGE ||
            __builtin_mul_overflow(count, static_cast<std::int64_t>(d), &count)) {
            throw data_error(path + ": bad .npy shape (" + shape_text.str() + ")");
        }
        dims.push_back(d);
    }
    const char* raw = bytes.data() + header_start + header_length;
    const std::size_t available = bytes.size() - header_start - header_length;
    struct kind {
        const char* descr;
        std::size_t size;
        void (*convert)(const char*, float*, std::int64_t);
    };
    static const kind kinds[] = {
        {"<f4", 4, convert<float>},        {"<f8", 8, convert<double>},       {"|u1", 1, convert<std::uint8_t>},
        {"|i1", 1, convert<std::int8_t>},  {"<i4", 4, convert<std::int32_t>}, {"<i8", 8, convert<std::int64_t>},
        {"|b1", 1, convert<std::uint8_t>},
    };
    for (const kind& k : kinds) {
        if (descr != k.descr) continue;
        // The header's claim is checked against the bytes there before
        // anything that size is allocated.
        std::size_t needed = 0;
        const bool addressable = !__builtin_mul_overflow(static_cast<std::size_t>(count), k.size, &needed);
        if (!addressable || available != needed) {
            throw data_error(path + ": shape " + shape(dims).to_string() + " of " + descr + " needs " +
                             (addressable ? std::to_string(needed) : std::string("more than 2^64")) +
                             " bytes of data, the file has " + std::to_string(available));
        }
        tensor result{shape(dims)};
        k.convert(raw, result.f32(), result.size());
        const std::int64_t samples = dims.empty() ? 1 : dims[0];
        check_finite_samples(result.f32(), result.size(), samples == 0 ? 0 : result.size() / samples, path);
        return result;
    }
    throw data_error(path + ": element type '" + descr +
                     "' is not one mlrun reads (<f4, <f8, |u1, |i1, <i4, <i8, |b1: little-endian numbers)");
}

tensor read_csv(const std::string& path)
{
    const std::string kind = non_regular_kind(path);
    if (!kind.empty()) throw data_error(non_regular_message(path, kind));
    std::ifstream in(path);
    if (!in) throw data_error(path + ": cannot be opened (" + std::strerror(errno) + ")");
    std::vector<float> values;
    std::int64_t width = -1;
    std::int64_t rows = 0;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::vector<float> row;
        bool numeric = true;
        std::stringstream fields(line);
        std::string field;
        int column = 1;
        std::string bad;
        while (std::getline(fields, field, ',')) {
            char* end = nullptr;
            const float v = std::strtof(field.c_str(), &end);
            while (end != nullptr && (*end == ' ' || *end == '\t')) ++end;
            if (end == field.c_str() || *end != '\0') {
                numeric = false;
                bad = "column " + std::to_string(column) + " is '" + field + "'";
                break;
            }
            row.push_back(v);
            ++column;
        }
        if (!numeric) {
            if (rows == 0 && width < 0) {
                width = 0;  // the header line: skipped once
                continue;
            }
            throw data_error(path + ":" + std::to_string(number) + ": expected numbers separated by commas; " + bad);
        }
        if (width > 0 && static_cast<std::int64_t>(row.size()) != width) {
            throw data_error(path + ":" + std::to_string(number) + ": expected " + std::to_string(width) +
                             " values like the lines before, found " + std::to_string(row.size()));
        }
        width = static_cast<std::int64_t>(row.size());
        values.insert(values.end(), row.begin(), row.end());
        ++rows;
    }
    if (rows == 0) throw data_error(path + ": no rows of numbers");
    tensor result({rows, width});
    std::memcpy(result.f32(), values.data(), values.size() * sizeof(float));
    check_finite_samples(result.f32(), result.size(), width, path);
    return result;
}

void write_npy(const std::string& path, const tensor& t)
{
    std::string dims_text = "(";
    for (std::size_t i = 0; i < t.dims().rank(); ++i) dims_text += (i == 0 ? "" : ", ") + std::to_string(t.dims()[i]);
    dims_text += t.dims().rank() == 1 ? ",)" : ")";
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + dims_text + ", }";
    // numpy pads the header with spaces so the data starts 64-byte aligned.
    while ((npy_magic_size + 4 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes(npy_magic, npy_magic_size);
    bytes += {1, 0};  // version 1.0
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(t.f32()), t.byte_size());
    write_file_atomically(path, bytes);  // a failure leaves the previous output whole
}

void write_csv(const std::string& path, const tensor& t)
{
    std::ostringstream out;
    const std::int64_t rows = t.dims().rank() == 0 ? 1 : t.dims()[0];
    const std::int64_t width = rows == 0 ? 0 : t.size() / rows;
    char buffer[32];
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < width; ++c) {
            std::snprintf(buffer, sizeof buffer, "%.9g", static_cast<double>(t.f32()[r * width + c]));
            out << (c == 0 ? "" : ",") << buffer;
        }
        out << "\n";
    }
    write_file_atomically(path, out.str());
}

}  // namespace

tensor read_array(const std::string& path)
{
    if (ends_with(path, ".npy")) return read_npy(path);
    if (ends_with(path, ".csv")) return read_csv(path);
    throw data_error(path + ": expected a .npy or .csv file");
}

void write_array(const std::string& path, const tensor& t)
{
    if (ends_with(path, ".npy")) return write_npy(path, t);
    if (ends_with(path, ".csv")) return write_csv(path, t);
    throw data_error(path + ": the output must be a .npy or .csv file");
}

}  // namespace mlrun
