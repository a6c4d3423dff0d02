// The mlrun command line: one function per command.
#pragma once

#include <boost/filesystem/path.hpp>

#include <string>
#include <vector>

namespace mlrun::cli {

struct common_options {
    std::vector<boost::filesystem::path> plugin_dirs;
    bool verbose = false;
    std::string output;  // -o: where a command writes its file (plot)
};

// Parses the command line and runs the command; returns the exit code
// (docs/exit-codes.md). Never throws.
int main(int argc, char** argv);

int train(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int evaluate(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int summary(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int list_plugins(const common_options& common);
int config_keys();
int config_dump(const std::string& config, const std::vector<std::string>& overrides);
int plot(const common_options& common, const std::vector<std::string>& args);  // report_commands.cpp

}  // namespace mlrun::cli
