#include "yaml_checksum.hpp"

#include "yaml_file.hpp"

#include "mlrun/checksum/crc32c.hpp"

#include <cstdlib>

namespace mlrun::yaml_format {
namespace {

const std::string version_line = "mlrun_yaml: 1\n";
const std::string checksum_key = "crc32c: ";
const std::string checksum_note = "  # of every byte after this line; delete the line after editing the file by hand\n";

}  // namespace

std::string with_checksum_line(const std::string& text)
{
    const std::size_t after_version = text.find(version_line);
    if (after_version == std::string::npos) return text;
    const std::size_t body = after_version + version_line.size();
    const std::uint32_t crc = checksum::crc32c(text.data() + body, text.size() - body);
    return text.substr(0, body) + checksum_key + checksum::crc_hex(crc) + checksum_note + text.substr(body);
}

void check_checksum_line(const std::string& text, const std::string& file)
{
    // The line sits at the top level, before the first section; a key of
    // that name further down is another file's business.
    std::size_t line = text.rfind(checksum_key, 0) == 0 ? 0 : text.find("\n" + checksum_key);
    if (line == std::string::npos) return;
    if (text[line] == '\n') ++line;
    const std::size_t first_section = text.find("\nmodel:");
    if (first_section != std::string::npos && line > first_section) return;
    const std::size_t end = text.find('\n', line);
    if (end == std::string::npos) throw format_error(file + ": the file ends inside its crc32c line: it is cut short");
    const std::string value = text.substr(line + checksum_key.size(), 10);
    char* parsed_end = nullptr;
    const unsigned long stored = std::strtoul(value.c_str(), &parsed_end, 16);
    const std::uint32_t computed = checksum::crc32c(text.data() + end + 1, text.size() - end - 1);
    if (value.rfind("0x", 0) != 0 || parsed_end != value.c_str() + value.size() || stored != computed) {
        throw format_error(file + ": file changed after it was written: the " + std::to_string(text.size() - end - 1) +
                           " bytes after its crc32c line have CRC32C " + checksum::crc_hex(computed) + ", the line says '" +
                           value + "' (a damaged file; after editing by hand, delete the crc32c line)");
    }
}

}  // namespace mlrun::yaml_format
