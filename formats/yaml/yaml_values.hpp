// Tensor values as text: whitespace-separated numbers, eight to a line.
// float32 is written as the shortest decimal that reads back to the same
// bits (0.1, not 0.100000001); NaNs are written as their bits
// ("nan:7fc00000") so even their payload survives.
#pragma once

#include "yaml_file.hpp"

#include <string>

namespace mlrun::yaml_format {

// `indent` spaces start each line; the text ends with a newline.
std::string values_text(const staged_tensor& t, const std::string& indent);

// A value that could not be read: its index among the values and the
// offset of its first character in `text`.
struct bad_value {
    std::size_t index = 0;
    std::size_t offset = 0;
    std::string token;
    std::string expected;
};

// Fills t.bytes from `text` (t.dtype and t.dims are set). Returns the
// problem, if any, instead of throwing, so the caller can place it in the
// file. An element count that differs from the shape is index == count.
bool parse_values(const std::string& text, staged_tensor& t, bad_value& problem);

}  // namespace mlrun::yaml_format
