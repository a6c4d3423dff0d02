#include "mlrun/plugin/elf_section.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/regular_file.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace mlrun {
namespace {

// Section names are short; a longer table is damage or hostility.
constexpr std::uint64_t max_name_table = 1u << 20;

class elf_file {
public:
    explicit elf_file(const boost::filesystem::path& file) : path_(file.string())
    {
        if (const std::string kind = non_regular_kind(path_); !kind.empty()) fail("is " + kind + ", not a regular file");
        in_.open(path_, std::ios::binary);
        if (!in_) fail("cannot be opened");
        in_.seekg(0, std::ios::end);
        size_ = static_cast<std::uint64_t>(in_.tellg());
    }

    [[noreturn]] void fail(const std::string& what) const { throw plugin_error(path_ + ": " + what); }

    void check_inside(std::uint64_t offset, std::uint64_t size, const std::string& what) const
    {
        if (offset > size_ || size > size_ - offset) {
            fail(what + " (" + std::to_string(size) + " bytes at offset " + std::to_string(offset) +
                 ") lies past the end of the " + std::to_string(size_) + "-byte file");
        }
    }

    // `size` bytes at `offset`, after checking that the file holds them.
    std::string read(std::uint64_t offset, std::uint64_t size, const std::string& what)
    {
        check_inside(offset, size, what);
        std::string bytes(static_cast<std::size_t>(size), '\0');
        in_.seekg(static_cast<std::streamoff>(offset));
        if (!in_.read(bytes.data(), static_cast<std::streamsize>(size))) fail("cannot read " + what);
        return bytes;
    }

private:
    std::string path_;
    std::ifstream in_;
    std::uint64_t size_ = 0;
};

template <class T> T from_bytes(const std::string& bytes, std::size_t offset = 0)
{
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

}  // namespace

std::optional<std::string> read_elf_section(const boost::filesystem::path& file, const std::string& name,
                                            std::size_t max_size)
{
    elf_file elf(file);
    const auto header = from_bytes<Elf64_Ehdr>(elf.read(0, sizeof(Elf64_Ehdr), "the ELF header"));
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) elf.fail("not an ELF file (no \\x7fELF magic)");
    if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
        elf.fail("not a 64-bit little-endian ELF file, which this host cannot load");
    }
    if (header.e_shoff == 0 || header.e_shnum == 0) return std::nullopt;  // no section table at all
    if (header.e_shentsize != sizeof(Elf64_Shdr)) {
        elf.fail("section headers of " + std::to_string(header.e_shentsize) + " bytes, expected " +
                 std::to_string(sizeof(Elf64_Shdr)));
    }
    if (header.e_shstrndx >= header.e_shnum) {
        elf.fail("the section name table is section " + std::to_string(header.e_shstrndx) + " of " +
                 std::to_string(header.e_shnum));
    }
    const std::string table = elf.read(header.e_shoff, std::uint64_t{header.e_shnum} * sizeof(Elf64_Shdr),
                                       "the section header table");
    auto section = [&](std::size_t index) { return from_bytes<Elf64_Shdr>(table, index * sizeof(Elf64_Shdr)); };

    const Elf64_Shdr names_header = section(header.e_shstrndx);
    if (names_header.sh_size > max_name_table) {
        elf.fail("a section name table of " + std::to_string(names_header.sh_size) + " bytes (at most " +
                 std::to_string(max_name_table) + " expected)");
    }
    const std::string names = elf.read(names_header.sh_offset, names_header.sh_size, "the section name table");
    // Every section inside the file, so that whoever reads this file next
    // (Boost.DLL's library_info, the loader) meets no size beyond it.
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
        const Elf64_Shdr s = section(i);
        if (s.sh_type != SHT_NOBITS) elf.check_inside(s.sh_offset, s.sh_size, "section " + std::to_string(i));
    }
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
        const Elf64_Shdr s = section(i);
        if (s.sh_name >= names.size()) continue;  // a name outside the table names nothing
        const std::size_t end = names.find('\0', s.sh_name);
        if (end == std::string::npos || names.compare(s.sh_name, end - s.sh_name, name) != 0) continue;
        if (s.sh_type == SHT_NOBITS) elf.fail("section '" + name + "' has no contents in the file");
        if (s.sh_size > max_size) {
            elf.fail("section '" + name + "' holds " + std::to_string(s.sh_size) + " bytes, at most " +
                     std::to_string(max_size) + " expected");
        }
        return elf.read(s.sh_offset, s.sh_size, "section '" + name + "'");
    }
    return std::nullopt;
}

}  // namespace mlrun
