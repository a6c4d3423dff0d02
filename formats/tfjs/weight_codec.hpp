// One weight's bytes in a TF.js weights manifest: the dtypes TF.js has,
// and the converter's optional quantization (float16; uint8 or uint16 with
// a per-tensor scale and min) with its inverse.
#pragma once

#include "interop/keras/staged_checkpoint.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlrun::tfjs {

using interop::keras::staged_tensor;

enum class quantization { none, float16, uint8 };

// "none", "float16" or "uint8" (the converter's names) to the enum; throws
// format_error naming the option and the accepted values otherwise.
quantization parse_quantization(const std::string& value);

// A weight as the manifest describes it.
struct manifest_weight {
    std::string name;
    std::vector<std::int64_t> shape;
    std::string dtype = "float32";  // what it holds once read: float32, int32
    std::string group;              // "optimizer" for optimizer state, else empty
    // Quantized storage: the stored dtype (float16, uint8, uint16), with
    // scale and min for the integer kinds: value = q * scale + min.
    std::string quantized_dtype;
    double scale = 0.0;
    double min = 0.0;

    std::int64_t element_count() const;
    // Bytes this weight occupies in its group's shards.
    std::uint64_t stored_bytes() const;
};

// The most a value read back can differ from the float32 written: half a
// step for the integer kinds (scale / 2), 2^-11 relative for float16 (its
// rounding); 0 without quantization.
std::string quantization_error_text(const manifest_weight& w);

// Encodes `t` (float32 or int32 as written; int64 scalars such as
// optimizer/iterations narrow to int32, as TF.js counts in int32) and
// appends its bytes to `out`. Float32 weights are quantized when asked.
manifest_weight encode_weight(const staged_tensor& t, const std::string& manifest_name, quantization q,
                              std::vector<unsigned char>& out);

// Decodes `w` from `bytes` (exactly w.stored_bytes() of them) into a tensor
// named `name` (float32 for quantized weights). `where` names the file.
staged_tensor decode_weight(const manifest_weight& w, const unsigned char* bytes, const std::string& name,
                            const std::string& where);

// IEEE half precision, round to nearest even (inf and NaN kept).
std::uint16_t float_to_half(float value);
float half_to_float(std::uint16_t half);

}  // namespace mlrun::tfjs
