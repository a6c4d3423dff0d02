// TensorFlow.js as a test oracle: where its package is, and the
// precondition that skips a case naming what is missing (node, the package).
#pragma once

#include "support/run_command.hpp"
#include "support/test_models.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace mlrun::testing {

// The package scripts/install_tfjs.sh installs; MLRUN_TFJS overrides it.
inline std::string tfjs_dir()
{
    const char* dir = std::getenv("MLRUN_TFJS");
    // Absolute: scripts written elsewhere require() it.
    return dir != nullptr ? dir : std::filesystem::absolute(source_dir() + "/.tfjs/node_modules/@tensorflow/tfjs").string();
}

inline boost::test_tools::assertion_result tfjs_present(boost::unit_test::test_unit_id)
{
    boost::test_tools::assertion_result present(true);
    if (run_command("node --version").exit_code != 0) {
        present = false;
        present.message() << "node is not on PATH (scripts/install_deps.sh installs it)";
    } else if (!std::filesystem::is_directory(tfjs_dir())) {
        present = false;
        present.message() << "@tensorflow/tfjs is not installed at " << tfjs_dir()
                          << " (scripts/install_tfjs.sh installs it)";
    }
    return present;
}

}  // namespace mlrun::testing
