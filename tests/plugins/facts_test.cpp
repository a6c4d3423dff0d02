// A plugin's facts record, read from the file's bytes before any of its
// code runs: the file may be damaged or hostile, so every offset, size and
// string is checked, and each fault is a reason naming what is wrong.
#define BOOST_TEST_MODULE plugin_facts
#include <boost/test/unit_test.hpp>

#include "mlrun/abi/mlrun_format.h"
#include "mlrun/core/error.hpp"
#include "mlrun/plugin/elf_section.hpp"
#include "mlrun/plugin/plugin_facts.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/temp_files.hpp"

#include <elf.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

fs::path good_fixture() { return fs::path(std::getenv("MLRUN_FIXTURE_PLUGINS")) / "libfixture_good.so"; }

std::string read_bytes(const fs::path& file)
{
    std::ifstream in(file.string(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The skip reason of the good fixture after `damage` changed its bytes.
std::string reason_after(void (*damage)(std::string& bytes))
{
    std::string bytes = read_bytes(good_fixture());
    damage(bytes);
    testing::temp_directory dir;
    dir.write("libdamaged.so", bytes);
    const plugin_registry r({dir.path});
    for (const skipped_plugin& s : r.skipped()) {
        if (contains(s.path, "libdamaged.so")) return s.reason;
    }
    return "(not skipped)";
}

template <class T> void put(std::string& bytes, std::size_t offset, T value) { std::memcpy(&bytes[offset], &value, sizeof value); }

Elf64_Ehdr header_of(const std::string& bytes)
{
    Elf64_Ehdr h;
    std::memcpy(&h, bytes.data(), sizeof h);
    return h;
}

// Where the facts record starts in the file.
std::size_t record_offset(const std::string& bytes)
{
    const std::size_t at = bytes.find(std::string(MLRUN_PLUGIN_FACTS_MAGIC, sizeof(MLRUN_PLUGIN_FACTS_MAGIC)));
    BOOST_TEST_REQUIRE(at != std::string::npos);
    return at;
}

mlrun_plugin_facts valid_record()
{
    mlrun_plugin_facts r{};
    std::memcpy(r.magic, MLRUN_PLUGIN_FACTS_MAGIC, sizeof r.magic);
    r.record_size = sizeof r;
    r.record_version = MLRUN_PLUGIN_FACTS_VERSION;
    r.abi_major = MLRUN_ABI_MAJOR;
    r.kind = MLRUN_PLUGIN_FORMAT;
    r.format_flags = 0;
    std::strcpy(r.name, "npz");
    std::strcpy(r.version, "1.0.0");
    std::strcpy(r.description, "NumPy archives");
    std::strcpy(r.suffixes, ".npz;.NPZ");
    return r;
}

std::string bytes_of(const mlrun_plugin_facts& r) { return std::string(reinterpret_cast<const char*>(&r), sizeof r); }

std::string record_error(const std::string& bytes)
{
    try {
        facts_of_record(bytes);
        return "(accepted)";
    } catch (const plugin_error& e) {
        return e.what();
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_record_of_a_built_plugin_is_read_from_its_file)
{
    const auto section = read_elf_section(good_fixture(), MLRUN_PLUGIN_FACTS_SECTION, max_plugin_facts_size);
    BOOST_TEST_REQUIRE(section.has_value());
    const plugin_facts facts = facts_of_record(*section);
    BOOST_TEST(facts.name == "good");
    BOOST_TEST(facts.kind == MLRUN_PLUGIN_BACKEND);
    BOOST_TEST(facts.version == "0.0.1");
    BOOST_TEST(facts.description == "test fixture");
    BOOST_TEST(!read_elf_section(good_fixture(), "no_such_section", 100).has_value());
}

BOOST_AUTO_TEST_CASE(a_format_record_gives_suffixes_and_flags)
{
    const plugin_facts facts = facts_of_record(bytes_of(valid_record()));
    BOOST_TEST((facts.suffixes == std::vector<std::string>{".npz", ".NPZ"}));
    BOOST_TEST(!facts.prefix_paths);
    mlrun_plugin_facts prefix = valid_record();
    prefix.format_flags = MLRUN_FORMAT_PREFIX_PATHS;
    BOOST_TEST(facts_of_record(bytes_of(prefix)).prefix_paths);
}

BOOST_AUTO_TEST_CASE(malformed_records_are_refused_with_what_is_wrong)
{
    mlrun_plugin_facts r = valid_record();
    r.magic[0] = 'X';
    BOOST_TEST(contains(record_error(bytes_of(r)), "does not start with the magic"), record_error(bytes_of(r)));

    r = valid_record();
    std::memset(r.name, 'a', sizeof r.name);
    BOOST_TEST(contains(record_error(bytes_of(r)), "the name field has no terminating NUL"), record_error(bytes_of(r)));

    r = valid_record();
    std::strcpy(r.description, "clears \x1b[2J the screen");
    BOOST_TEST(contains(record_error(bytes_of(r)), "the description field holds control characters"),
               record_error(bytes_of(r)));

    r = valid_record();
    r.kind = 7;
    BOOST_TEST(contains(record_error(bytes_of(r)), "unknown plugin kind 7"), record_error(bytes_of(r)));

    r = valid_record();
    r.name[0] = '\0';
    BOOST_TEST(contains(record_error(bytes_of(r)), "the name is empty"), record_error(bytes_of(r)));

    r = valid_record();
    r.kind = MLRUN_PLUGIN_LAYER;
    BOOST_TEST(contains(record_error(bytes_of(r)), "a layer plugin with no layer_class"), record_error(bytes_of(r)));

    r = valid_record();
    r.record_size = 4;
    BOOST_TEST(contains(record_error(bytes_of(r)), "expected one record of at least"), record_error(bytes_of(r)));
    // Two records in the section, or a cut one.
    BOOST_TEST(contains(record_error(bytes_of(valid_record()) + bytes_of(valid_record())), "expected one record"));
    BOOST_TEST(contains(record_error(bytes_of(valid_record()).substr(0, 100)), "100 bytes, expected at least"));
}

BOOST_AUTO_TEST_CASE(a_damaged_elf_file_is_skipped_with_the_damage_named)
{
    // Cut short: the section headers are past the end.
    BOOST_TEST(contains(reason_after([](std::string& b) { b.resize(b.size() / 2); }), "lies past the end of the"));
    // Offsets and counts that would overflow or run past the file.
    BOOST_TEST(contains(reason_after([](std::string& b) { put<Elf64_Off>(b, offsetof(Elf64_Ehdr, e_shoff), ~Elf64_Off{0} - 8); }),
                        "the section header table"));
    BOOST_TEST(contains(reason_after([](std::string& b) { put<Elf64_Half>(b, offsetof(Elf64_Ehdr, e_shnum), 0xffff); }),
                        "lies past the end"));
    BOOST_TEST(contains(reason_after([](std::string& b) { put<Elf64_Half>(b, offsetof(Elf64_Ehdr, e_shstrndx), 0xfff0); }),
                        "the section name table is section 65520"));
    BOOST_TEST(contains(reason_after([](std::string& b) { put<Elf64_Half>(b, offsetof(Elf64_Ehdr, e_shentsize), 12); }),
                        "section headers of 12 bytes"));
    BOOST_TEST(contains(reason_after([](std::string& b) { b[EI_CLASS] = ELFCLASS32; }), "not a 64-bit little-endian ELF file"));
    // The name table claims more bytes than any has.
    BOOST_TEST(contains(reason_after([](std::string& b) {
                            const Elf64_Ehdr h = header_of(b);
                            const std::size_t names = h.e_shoff + std::size_t{h.e_shstrndx} * sizeof(Elf64_Shdr);
                            put<Elf64_Xword>(b, names + offsetof(Elf64_Shdr, sh_size), Elf64_Xword{1} << 40);
                        }),
                        "a section name table of"));
    // Any section claiming more bytes than the file has (section 1, here).
    const std::string oversized = reason_after([](std::string& b) {
        const std::size_t first = header_of(b).e_shoff + sizeof(Elf64_Shdr);
        put<Elf64_Word>(b, first + offsetof(Elf64_Shdr, sh_type), SHT_PROGBITS);
        put<Elf64_Xword>(b, first + offsetof(Elf64_Shdr, sh_size), Elf64_Xword{1} << 50);
    });
    BOOST_TEST(contains(oversized, "section 1 (1125899906842624 bytes at offset"), oversized);
}

BOOST_AUTO_TEST_CASE(a_hostile_record_in_a_real_library_is_skipped)
{
    const std::string reason = reason_after([](std::string& b) {
        const std::size_t at = record_offset(b) + offsetof(mlrun_plugin_facts, description);
        std::memcpy(&b[at], "\x1b[2J", 4);
    });
    BOOST_TEST(contains(reason, "its facts record (section 'mlrun_facts'): the description field holds control characters"),
               reason);
}
