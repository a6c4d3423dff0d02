// Helpers for the TensorFlow checkpoint tests: where the fixtures and the
// plugins are, a scratch directory, whole-file bytes.
#pragma once

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "support/interop_fixtures.hpp"

#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>

namespace mlrun {
// Lets Boost.Test print dtypes in failed comparisons.
inline std::ostream& operator<<(std::ostream& out, dtype type) { return out << dtype_name(type); }
}  // namespace mlrun

namespace mlrun::tf_testing {

namespace fs = std::filesystem;

inline std::string env_or_fail(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set; run the tests through ctest");
    return value;
}

// Where the interop fixtures are; cases reading them need needs_interop_fixtures().
using testing::fixture;
using testing::needs_interop_fixtures;

inline std::string plugin_dir() { return env_or_fail("MLRUN_BINARY_DIR") + "/lib/mlrun/plugins"; }

// The registry lives for the whole test run: plugins are never unloaded.
inline const plugin_registry& registry()
{
    static const plugin_registry instance({plugin_dir()});
    return instance;
}

inline const format& tf_format()
{
    static const format instance(registry().find(MLRUN_PLUGIN_FORMAT, "tf_checkpoint"));
    return instance;
}

struct temp_dir {
    fs::path dir;
    temp_dir()
    {
        std::string pattern = (fs::temp_directory_path() / "mlrun-tf-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
        dir = pattern;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

inline std::string file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error(path + ": cannot be written");
}

// The message of the mlrun::error `body` throws; fails the test when it
// throws nothing.
template <class Body> std::string error_of(Body&& body)
{
    try {
        body();
    } catch (const std::exception& e) {
        return e.what();
    }
    BOOST_FAIL("expected an error, none was thrown");
    return {};
}

}  // namespace mlrun::tf_testing
