#include "yaml_values.hpp"

#include "mlrun/plugin/plugin_author.hpp"

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mlrun::yaml_format {
namespace {

constexpr int per_line = 8;

template <class T> T element(const staged_tensor& t, std::int64_t i)
{
    T value;
    std::memcpy(&value, t.bytes.data() + static_cast<std::size_t>(i) * sizeof(T), sizeof(T));
    return value;
}

template <class T> void put(staged_tensor& t, std::int64_t i, T value)
{
    std::memcpy(t.bytes.data() + static_cast<std::size_t>(i) * sizeof(T), &value, sizeof(T));
}

// One value as text; `buffer` holds at least 32 characters.
void format_value(const staged_tensor& t, std::int64_t i, char* buffer, std::size_t size)
{
    switch (t.dtype) {
    case MLRUN_DTYPE_FLOAT32: {
        const float v = element<float>(t, i);
        if (std::isnan(v)) {
            std::uint32_t bits;
            std::memcpy(&bits, &v, sizeof bits);
            std::snprintf(buffer, size, "nan:%08" PRIx32, bits);
        } else {
            // The shortest text that reads back to the same float.
            const std::to_chars_result end = std::to_chars(buffer, buffer + size - 1, v);
            *end.ptr = '\0';
        }
        break;
    }
    case MLRUN_DTYPE_INT64: std::snprintf(buffer, size, "%" PRId64, element<std::int64_t>(t, i)); break;
    case MLRUN_DTYPE_INT32: std::snprintf(buffer, size, "%" PRId32, element<std::int32_t>(t, i)); break;
    case MLRUN_DTYPE_UINT8: std::snprintf(buffer, size, "%u", static_cast<unsigned>(t.bytes[static_cast<std::size_t>(i)])); break;
    default: buffer[0] = '\0';
    }
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

// Parses one token into element i; false when it is not a value of t.dtype.
bool parse_value(const std::string& token, staged_tensor& t, std::int64_t i)
{
    const char* begin = token.c_str();
    char* end = nullptr;
    errno = 0;
    switch (t.dtype) {
    case MLRUN_DTYPE_FLOAT32: {
        if (token.rfind("nan:", 0) == 0) {
            if (token.size() != 12) return false;
            const unsigned long bits = std::strtoul(begin + 4, &end, 16);
            if (*end != '\0') return false;
            const auto word = static_cast<std::uint32_t>(bits);
            float v;
            std::memcpy(&v, &word, sizeof v);
            if (!std::isnan(v)) return false;
            put(t, i, v);
            return true;
        }
        const float v = std::strtof(begin, &end);
        // strtof reports overflow with ERANGE; underflow to a subnormal is fine.
        if (end == begin || *end != '\0' || std::isnan(v) || (errno == ERANGE && std::isinf(v))) {
            return token == "inf" || token == "-inf" ? (put(t, i, v), true) : false;
        }
        put(t, i, v);
        return true;
    }
    case MLRUN_DTYPE_INT64:
    case MLRUN_DTYPE_INT32: {
        const long long v = std::strtoll(begin, &end, 10);
        if (end == begin || *end != '\0' || errno == ERANGE) return false;
        if (t.dtype == MLRUN_DTYPE_INT64) {
            put(t, i, static_cast<std::int64_t>(v));
            return true;
        }
        if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) return false;
        put(t, i, static_cast<std::int32_t>(v));
        return true;
    }
    case MLRUN_DTYPE_UINT8: {
        if (token[0] == '-') return false;
        const unsigned long v = std::strtoul(begin, &end, 10);
        if (end == begin || *end != '\0' || v > 255) return false;
        t.bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(v);
        return true;
    }
    default: return false;
    }
}

const char* expected_text(mlrun_dtype dtype)
{
    switch (dtype) {
    case MLRUN_DTYPE_FLOAT32: return "a float32 (e.g. 0.125, -1.5e-07, inf, nan:7fc00000)";
    case MLRUN_DTYPE_INT64: return "an int64";
    case MLRUN_DTYPE_INT32: return "an int32";
    case MLRUN_DTYPE_UINT8: return "a uint8 (0 to 255)";
    default: return "a number";
    }
}

}  // namespace

std::string values_text(const staged_tensor& t, const std::string& indent)
{
    std::string text;
    const std::int64_t count = t.element_count();
    text.reserve(static_cast<std::size_t>(count) * 16 + 16);
    char buffer[48];
    for (std::int64_t i = 0; i < count; ++i) {
        text += i % per_line == 0 ? indent : " ";
        format_value(t, i, buffer, sizeof buffer);
        text += buffer;
        if (i % per_line == per_line - 1 || i + 1 == count) text += '\n';
    }
    return text;
}

bool parse_values(const std::string& text, staged_tensor& t, bad_value& problem)
{
    const std::int64_t count = t.element_count();
    t.bytes.assign(static_cast<std::size_t>(count) * plugin_author::element_size(t.dtype), 0);
    std::int64_t index = 0;
    std::size_t at = 0;
    std::string token;
    while (true) {
        while (at < text.size() && is_space(text[at])) ++at;
        if (at == text.size()) break;
        const std::size_t start = at;
        while (at < text.size() && !is_space(text[at])) ++at;
        token.assign(text, start, at - start);
        if (index == count) {
            problem = {static_cast<std::size_t>(index), start, token,
                       "exactly " + std::to_string(count) + " values for its shape, found more"};
            return false;
        }
        if (!parse_value(token, t, index)) {
            problem = {static_cast<std::size_t>(index), start, token, expected_text(t.dtype)};
            return false;
        }
        ++index;
    }
    if (index != count) {
        problem = {static_cast<std::size_t>(index), text.size(), "",
                   std::to_string(count) + " values for its shape, found " + std::to_string(index)};
        return false;
    }
    return true;
}

}  // namespace mlrun::yaml_format
