// The checksum line of a YAML checkpoint: `crc32c: 0x...` right after
// `mlrun_yaml: 1`, the CRC32C of every byte after that line. A file mlrun
// wrote loads as written or fails naming the damage; a cut, a flipped bit
// or a lost page anywhere after the line changes the crc. A file without
// the line (written by hand, or edited with the line deleted) is read as
// it is.
#pragma once

#include <string>

namespace mlrun::yaml_format {

// `text` (a file's text starting with its header lines) with the checksum
// line inserted after the header's `mlrun_yaml: 1` line.
std::string with_checksum_line(const std::string& text);

// Checks the checksum line of `text` when there is one; format_error naming
// `file`, the crc found and the one expected when they differ.
void check_checksum_line(const std::string& text, const std::string& file);

}  // namespace mlrun::yaml_format
