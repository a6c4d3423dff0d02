// Runs the built mlrun tool and captures what it prints and its exit code.
// (cli_test.cpp has its own copy of this; one can replace the other.)
#pragma once

#include "support/test_models.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace mlrun::testing {

struct process_result {
    int exit_code;
    std::string output;  // stdout and stderr together
};

inline process_result run_mlrun(const std::string& arguments)
{
    const std::string command = "cd '" + source_dir() + "' && '" + binary_dir() + "/bin/mlrun' " + arguments + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    BOOST_TEST_REQUIRE(pipe != nullptr);
    process_result r{0, ""};
    std::array<char, 4096> buffer{};
    while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) r.output.append(buffer.data(), n);
    const int status = ::pclose(pipe);
    BOOST_TEST_REQUIRE(WIFEXITED(status), "mlrun " << arguments << " died: " << r.output);
    r.exit_code = WEXITSTATUS(status);
    BOOST_TEST(r.exit_code < 128, "mlrun " << arguments << " crashed: " << r.output);
    return r;
}

}  // namespace mlrun::testing
