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
    std::string output;  // -o: where a command writes its file (plot)
    std::string weights;         // evaluate --weights PREFIX_OR_DIR
    bool allow_partial = false;  // evaluate --allow-partial
    bool values = false;         // inspect --values
    // Model files (model_commands.cpp): --model, --config, --input (and --output above).
    std::string model_path;
    std::string config_path;
    std::string input_path;
    std::string architecture;  // evaluate --architecture ARCH (format_commands.cpp)
    std::string resume;  // --resume[=auto|fallback|never]; empty: the experiment's fit.resume
    bool profile = false;  // --profile: time every kernel of the run
    int port = 8080;  // serve --port
    std::vector<std::string> format_options;  // convert --format-option KEY=VALUE, for DST's format
};

// Parses the command line and runs the command; returns the exit code
// (docs/exit-codes.md). Never throws.
int main(int argc, char** argv);

int train(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int evaluate(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int summary(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);
int list_plugins(const common_options& common);
// verify_command.cpp: mlrun verify PATH (a checkpoint, a Keras file, or a directory's checkpoints).
int verify(const common_options& common, const std::string& path);

// model_commands.cpp: commands on a saved model file.
int evaluate_model(const common_options& common, const std::vector<std::string>& overrides);
int train_model(const common_options& common, const std::vector<std::string>& overrides);
int summarize_model(const common_options& common, const std::vector<std::string>& overrides);
int predict_with_model(const common_options& common, const std::vector<std::string>& overrides);
int inspect_hdf5(const common_options& common, const std::string& file);
// Saves the trained model when the experiment has a `save` section.
void save_trained_model(session& s, const history& h);
int config_keys();
int config_dump(const std::string& config, const std::vector<std::string>& overrides);
int plot(const common_options& common, const std::vector<std::string>& args);  // report_commands.cpp
// serve_command.cpp: mlrun serve DIR [NAME=PATH ...] --port P, a static file server on 127.0.0.1.
int serve(const std::vector<std::string>& args, int port);

// Checkpoints (checkpoint_commands.cpp).
int latest(const std::string& directory);
int inspect(const common_options& common, const std::string& path_or_directory);
int evaluate_weights(const common_options& common, const std::string& config, const std::vector<std::string>& overrides);

// Moving models between formats (format_commands.cpp).
int convert(const common_options& common, const std::vector<std::string>& args);
int export_architecture(const common_options& common, const std::vector<std::string>& args);
int evaluate_architecture(const common_options& common, const std::vector<std::string>& overrides);

}  // namespace mlrun::cli
