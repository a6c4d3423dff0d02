// The interop fixtures: real TensorFlow and Keras files kept beside the
// repository, in ../shared/fixtures/interop (its MANIFEST.md lists them).
// A clone without them still passes: test cases and suites that read them
// carry needs_interop_fixtures(), which reports them skipped, naming the
// missing directory, while everything else runs. With the fixtures present
// every such case runs and asserts as before.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mlrun::testing {

// ../shared/fixtures/interop next to MLRUN_SOURCE_DIR, present or not.
inline std::filesystem::path interop_fixtures_dir()
{
    const char* source = std::getenv("MLRUN_SOURCE_DIR");
    if (source == nullptr) throw std::runtime_error("MLRUN_SOURCE_DIR is not set; run the tests through ctest");
    return (std::filesystem::path(source) / ".." / "shared" / "fixtures" / "interop").lexically_normal();
}

// Whether the fixtures are there; if not, says which directory is missing.
inline boost::test_tools::assertion_result interop_fixtures_present(boost::unit_test::test_unit_id)
{
    const std::filesystem::path dir = interop_fixtures_dir();
    boost::test_tools::assertion_result present(std::filesystem::is_directory(dir));
    if (!present) present.message() << "../shared/fixtures/interop (" << dir.string() << ") not found";
    return present;
}

// A Boost.Test decorator for the cases and suites that read the fixtures:
// without them the unit is skipped ("... is skipped because <reason>") and
// counted as skipped, not failed. (A function pointer, not a lambda: GCC 12
// warns that boost::function copies an empty lambda's uninitialised byte.)
inline boost::unit_test::decorator::precondition needs_interop_fixtures()
{
    return boost::unit_test::precondition(&interop_fixtures_present);
}

// The path of one fixture, `relative` to the fixtures directory. Their
// absence here is an error, not a skip: the calling case lacks
// needs_interop_fixtures().
inline std::string fixture(const std::string& relative)
{
    const std::filesystem::path dir = interop_fixtures_dir();
    if (!std::filesystem::is_directory(dir)) {
        throw std::runtime_error("fixture directory " + dir.string() +
                                 " is missing; a test reading it needs the needs_interop_fixtures() decorator");
    }
    return (std::filesystem::canonical(dir) / relative).string();
}

}  // namespace mlrun::testing
