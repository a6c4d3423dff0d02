// How a DT_STRING tensor lies in a `.data` file (spec §4.2): the lengths as
// varints, a masked crc of the lengths, then the bytes of every element.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mlrun::tf {

struct encoded_strings {
    std::string bytes;
    std::uint32_t crc = 0;  // unmasked crc32c as TensorFlow defines it for the entry
};

encoded_strings encode_strings(const std::vector<std::string_view>& elements);

// Decodes `count` elements from `bytes`, checking the length checksum and
// the entry's masked crc; `what` names the tensor and file in errors.
std::vector<std::string> decode_strings(const std::string& bytes, std::uint64_t count, std::uint32_t masked_crc,
                                        const std::string& what);

}  // namespace mlrun::tf
