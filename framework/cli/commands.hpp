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
    std::string weights;         // evaluate --weights PREFIX_OR_DIR
    bool allow_partial = false;  // evaluate --allow-partial
    bool values = false;         // inspect --values
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

// Checkpoints (checkpoint_commands.cpp).
int latest(const std::string& directory);
int inspect(const common_options& common, const std::string& path_or_directory);
int evaluate_weights(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);

}  // namespace mlrun::cli
