// The mlrun command line: one function per command.
#pragma once

#include <boost/filesystem/path.hpp>

#include <string>
#include <vector>

namespace mlrun {
class session;
struct history;
}  // namespace mlrun

namespace mlrun::cli {

struct common_options {
    std::vector<boost::filesystem::path> plugin_dirs;
    bool verbose = false;
    // Model files (model_commands.cpp): --model, --config, --input, --output.
    std::string model_path;
    std::string config_path;
    std::string input_path;
    std::string output_path;
};

// Parses the command line and runs the command; returns the exit code
// (docs/exit-codes.md). Never throws.
int main(int argc, char** argv);

int train(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int evaluate(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int summary(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int list_plugins(const common_options& common);

// model_commands.cpp: commands on a saved model file.
int evaluate_model(const common_options& common, const std::vector<std::string>& overrides);
int train_model(const common_options& common, const std::vector<std::string>& overrides);
int summarize_model(const common_options& common);
int predict_with_model(const common_options& common);
int inspect_hdf5(const common_options& common, const std::string& file);
// Saves the trained model when the experiment has a `save` section.
void save_trained_model(session& s, const history& h);
int config_keys();

}  // namespace mlrun::cli
