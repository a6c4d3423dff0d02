#include "weight_codec.hpp"

#include "interop/keras/format_error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

namespace mlrun::tfjs {

using interop::keras::format_error;

namespace {

std::size_t stored_element_size(const std::string& dtype)
{
    if (dtype == "float32" || dtype == "int32") return 4;
    if (dtype == "float16" || dtype == "uint16") return 2;
    if (dtype == "uint8" || dtype == "bool") return 1;
    return 0;
}

std::string number_text(double value)
{
    std::ostringstream text;
    text.precision(3);
    text << value;
    return text.str();
}

// The converter's uint8 range: a step of (max - min) / 255, with min moved
// so that 0.0 is stored exactly (biases start at zero and stay exact).
void uint8_range(const float* values, std::int64_t count, double& scale, double& min)
{
    double lo = 0.0, hi = 0.0;
    if (count > 0) {
        lo = *std::min_element(values, values + count);
        hi = *std::max_element(values, values + count);
    }
    scale = hi > lo ? (hi - lo) / 255.0 : 1.0;
    min = lo;
    if (lo <= 0.0 && 0.0 <= hi) min = -std::round(-lo / scale) * scale;
}

}  // namespace

quantization parse_quantization(const std::string& value)
{
    if (value == "none" || value.empty()) return quantization::none;
    if (value == "float16") return quantization::float16;
    if (value == "uint8") return quantization::uint8;
    throw format_error("option quantize: expected none, float16 or uint8, found '" + value + "'");
}

std::int64_t manifest_weight::element_count() const
{
    std::int64_t count = 1;
    for (const std::int64_t d : shape) count *= d;
    return count;
}

std::uint64_t manifest_weight::stored_bytes() const
{
    const std::string& stored = quantized_dtype.empty() ? dtype : quantized_dtype;
    return static_cast<std::uint64_t>(element_count()) * stored_element_size(stored);
}

std::string quantization_error_text(const manifest_weight& w)
{
    if (w.quantized_dtype == "float16") return "float16: at most 2^-11 (0.049%) of each value from its float32";
    if (w.quantized_dtype.empty()) return "";
    return w.quantized_dtype + " (scale " + number_text(w.scale) + ", min " + number_text(w.min) + "): at most " +
           number_text(w.scale / 2) + " from each float32 value";
}

std::uint16_t float_to_half(float value)
{
    std::uint32_t bits;
    std::memcpy(&bits, &value, 4);
    const std::uint16_t sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
    const std::uint32_t exponent = (bits >> 23) & 0xffu;
    std::uint32_t mantissa = bits & 0x7fffffu;
    if (exponent == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00u | (mantissa != 0 ? 0x200u : 0u));
    const int e = static_cast<int>(exponent) - 127 + 15;
    if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);  // too large: infinity
    if (e <= 0) {                                                     // subnormal or zero
        if (e < -10) return sign;
        mantissa |= 0x800000u;
        const int shift = 14 - e;
        std::uint32_t half = mantissa >> shift;
        const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
        const std::uint32_t halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u) != 0)) ++half;
        return static_cast<std::uint16_t>(sign | half);
    }
    std::uint32_t half = (static_cast<std::uint32_t>(e) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u) != 0)) ++half;  // may carry into the exponent: fine
    return static_cast<std::uint16_t>(sign | half);
}

float half_to_float(std::uint16_t half)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000u) << 16;
    const std::uint32_t exponent = (half >> 10) & 0x1fu;
    std::uint32_t mantissa = half & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {  // subnormal half: normalise
        int e = 113;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            --e;
        }
        bits = sign | (static_cast<std::uint32_t>(e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
}

manifest_weight encode_weight(const staged_tensor& t, const std::string& manifest_name, quantization q,
                              std::vector<unsigned char>& out)
{
    manifest_weight w;
    w.name = manifest_name;
    w.shape = t.dims;
    const std::int64_t count = t.element_count();
    if (t.dtype == MLRUN_DTYPE_INT64) {
        // TF.js has no int64: counters such as the optimizer's iterations are int32 there.
        w.dtype = "int32";
        for (std::int64_t i = 0; i < count; ++i) {
            std::int64_t v;
            std::memcpy(&v, t.bytes.data() + 8 * i, 8);
            if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()) {
                throw format_error("tensor '" + t.name + "': value " + std::to_string(v) +
                                   " does not fit TF.js's int32 (TF.js has no int64)");
            }
            const auto narrow = static_cast<std::int32_t>(v);
            const auto* p = reinterpret_cast<const unsigned char*>(&narrow);
            out.insert(out.end(), p, p + 4);
        }
        return w;
    }
    if (t.dtype == MLRUN_DTYPE_INT32) {
        w.dtype = "int32";
        out.insert(out.end(), t.bytes.begin(), t.bytes.end());
        return w;
    }
    if (t.dtype != MLRUN_DTYPE_FLOAT32) {
        throw format_error("tensor '" + t.name + "': its dtype has no TF.js counterpart (TF.js weights are float32 or int32)");
    }
    const auto* values = reinterpret_cast<const float*>(t.bytes.data());
    if (q == quantization::none) {
        out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    } else if (q == quantization::float16) {
        w.quantized_dtype = "float16";
        for (std::int64_t i = 0; i < count; ++i) {
            const std::uint16_t h = float_to_half(values[i]);
            out.push_back(static_cast<unsigned char>(h & 0xff));
            out.push_back(static_cast<unsigned char>(h >> 8));
        }
    } else {
        w.quantized_dtype = "uint8";
        uint8_range(values, count, w.scale, w.min);
        for (std::int64_t i = 0; i < count; ++i) {
            const double step = std::round((static_cast<double>(values[i]) - w.min) / w.scale);
            out.push_back(static_cast<unsigned char>(std::clamp(step, 0.0, 255.0)));
        }
    }
    return w;
}

staged_tensor decode_weight(const manifest_weight& w, const unsigned char* bytes, const std::string& name,
                            const std::string& where)
{
    staged_tensor t;
    t.name = name;
    t.dims = w.shape;
    const std::int64_t count = w.element_count();
    const std::string& stored = w.quantized_dtype.empty() ? w.dtype : w.quantized_dtype;
    if (w.quantized_dtype.empty()) {
        t.dtype = w.dtype == "int32" ? MLRUN_DTYPE_INT32 : MLRUN_DTYPE_FLOAT32;
        t.bytes.assign(bytes, bytes + w.stored_bytes());
        return t;
    }
    if (w.dtype != "float32") {
        throw format_error(where + ": weight '" + w.name + "': quantized as " + stored +
                           " from dtype '" + w.dtype + "'; mlrun dequantizes float32 weights only");
    }
    t.dtype = MLRUN_DTYPE_FLOAT32;
    t.bytes.resize(static_cast<std::size_t>(count) * 4);
    auto* values = reinterpret_cast<float*>(t.bytes.data());
    for (std::int64_t i = 0; i < count; ++i) {
        if (stored == "float16") {
            values[i] = half_to_float(static_cast<std::uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8)));
        } else if (stored == "uint16") {
            values[i] = static_cast<float>((bytes[2 * i] | (bytes[2 * i + 1] << 8)) * w.scale + w.min);
        } else {
            values[i] = static_cast<float>(bytes[i] * w.scale + w.min);
        }
    }
    return t;
}

}  // namespace mlrun::tfjs
