// Reads one named section of an ELF file from its bytes, without loading
// it: how the host learns what a plugin is before running any of its code.
#pragma once

#include <boost/filesystem/path.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace mlrun {

// The bytes of section `name` of the 64-bit little-endian ELF file `file`,
// or nothing when it has no such section. Every offset and size is checked
// against the file before use, so a hostile file costs at most a few reads.
// Throws plugin_error naming the file and what is wrong when it is not such
// an ELF file, is damaged, or the section holds more than `max_size` bytes.
std::optional<std::string> read_elf_section(const boost::filesystem::path& file, const std::string& name,
                                            std::size_t max_size);

}  // namespace mlrun
