// Commands that move a model between formats: convert, export-architecture
// and evaluate --architecture ARCH --weights PREFIX.
#include "commands.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/layers/layer_registry.hpp"

#include "mlrun/checkpoint/checkpoint_locator.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "metrics/metric_yaml.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "train/session.hpp"
#include "mlrun/version.hpp"

#include <boost/filesystem/operations.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

namespace mlrun::cli {
namespace {

// Reading a TensorFlow checkpoint in mlrun's names, mapped onto
// `layer_names` when given; other formats take no options.
format_options reading_options(const plugin_record& plugin, const std::string& layer_names)
{
    if (plugin.name != "tf_checkpoint") return {};
    format_options options = {{"names", "mlrun"}};
    if (!layer_names.empty()) options.emplace_back("layer_names", layer_names);
    return options;
}

const std::string* find_meta(const checkpoint& ckpt, const char* key)
{
    const auto it = ckpt.metadata.find(key);
    return it == ckpt.metadata.end() ? nullptr : &it->second;
}

// The weighted layers of the architecture in `arch`, comma-separated.
std::string weighted_layers(const checkpoint& arch, const std::string& source)
{
    const std::string* config = find_meta(arch, checkpoint_keys::model_config);
    if (config == nullptr) {
        throw model_error(source + ": holds no architecture (model_config); write one with "
                                   "mlrun export-architecture CONFIG ARCH.yaml");
    }
    YAML::Node layers;
    try {
        layers = load_bounded_yaml(*config);
    } catch (const YAML::Exception& e) {
        throw model_error(source + " (model_config): not valid YAML: " + e.msg);
    }
    const std::unique_ptr<model> m = build_model(layers, source, std::nullopt);
    std::string names;
    for (const model::node& n : m->nodes()) {
        if (!n.op->parameters().empty()) names += (names.empty() ? "" : ",") + n.op->name();
    }
    return names;
}

std::string percent(double fraction)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * fraction);
    return buffer;
}

}  // namespace

int convert(const common_options& common, const std::vector<std::string>& args)
{
    if (args.size() != 2) throw usage_error("usage: mlrun convert SRC DST  (e.g. mlrun convert training_1/cp.ckpt cp.h5)");
    const plugin_registry plugins(plugin_search_order(common.plugin_dirs, {}));
    // A directory is a model only to a format that keeps its models in one
    // (tfjs), and never an mlrun checkpoint directory.
    if (args[1].empty() ||
        ((args[1].back() == '/' || boost::filesystem::is_directory(args[1])) && directory_format(plugins, args[1]) == nullptr)) {
        throw usage_error("mlrun convert: DST '" + args[1] + "' is a directory; name the file (cp.h5, cp.yaml) or the "
                          "TensorFlow prefix (dir/cp) to write");
    }
    const std::string source = resolve_checkpoint_argument(args[0]);
    const plugin_record& from = format_for_reading(plugins, source);
    const plugin_record& to = choose_format(plugins, "", args[1], args[1]);
    format(from).require_loadable(source);
    checkpoint ckpt = format(from).load(source, reading_options(from, ""));
    ckpt.metadata.erase("file_checksum");  // how the source file was checked, not part of what it holds
    if (const std::string* skipped = find_meta(ckpt, "tf_skipped_tensors")) {
        throw io_error(source + ": has tensors mlrun cannot read, so converting it would lose them:\n" + *skipped);
    }
    // A weights-only file (no compile settings) stays weights-only.
    const bool weights_only = find_meta(ckpt, checkpoint_keys::optimizer_config) == nullptr;
    format_options options;
    if (to.name == "hdf5" || to.name == "yaml") options.emplace_back("weights_only", weights_only ? "true" : "false");
    if (format(to).export_only()) options.emplace_back("source", source);
    for (const std::string& option : common.format_options) {
        const std::size_t equals = option.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw usage_error("--format-option '" + option + "': expected KEY=VALUE (quantize=uint8)");
        }
        options.emplace_back(option.substr(0, equals), option.substr(equals + 1));
    }
    format(to).save(args[1], ckpt, options);
    std::cout << "Converted " << source << " (" << from.name << ") to " << args[1] << " (" << to.name << "): "
              << ckpt.tensors.size() << " tensors, " << ckpt.metadata.size() << " metadata entries\n";
    return 0;
}

int export_architecture(const common_options& common, const std::vector<std::string>& args)
{
    if (args.size() < 2) {
        throw usage_error("usage: mlrun export-architecture CONFIG ARCH.yaml [overrides]");
    }
    const std::vector<std::string> overrides(args.begin() + 2, args.end());
    session s({args[0], overrides, common.plugin_dirs, false});
    const experiment& e = s.config();
    checkpoint arch = capture_state(s.net(), &s.fitter().get_optimizer());
    arch.tensors.clear();  // the architecture only: weights come from any checkpoint
    arch.metadata[checkpoint_keys::loss] = loss_text(e.loss);
    put_metrics_metadata(arch.metadata, e.metrics, e.weighted_metrics);
    arch.metadata[checkpoint_keys::mlrun_version] = MLRUN_VERSION;
    arch.metadata[checkpoint_keys::experiment] = YAML::Dump(e.resolved);
    const plugin_record& to = choose_format(s.plugins(), "", args[1], args[1]);
    format(to).save(args[1], arch, {{"weights_only", "false"}});
    std::cout << "Wrote the architecture of " << args[0] << " (" << s.net().nodes().size() << " layers, " << loss_text(e.loss)
              << ") to " << args[1] << " (" << to.name << ")\n";
    return 0;
}

int evaluate_architecture(const common_options& common, const std::vector<std::string>& overrides)
{
    if (common.weights.empty()) {
        throw usage_error("'evaluate --architecture ARCH' needs --weights PREFIX_OR_FILE_OR_DIR");
    }
    if (common.config_path.empty() && !overrides.empty()) {
        throw usage_error("overrides such as '" + overrides[0] + "' apply to an experiment; give one with --config");
    }
    // The files are read with the plugins the session will have (a format or layer class may be a plugin's).
    const std::vector<std::string> experiment_plugins =
        common.config_path.empty() ? std::vector<std::string>{}
                                   : load_experiment(common.config_path, overrides).plugin_search_paths;
    const plugin_registry plugins(plugin_search_order(common.plugin_dirs, experiment_plugins));
    register_layer_plugins(plugins);  // the architecture may name a layer plugin's class
    const std::string& arch_path = common.architecture;
    const format arch_format(format_for_reading(plugins, arch_path));
    arch_format.require_loadable(arch_path);
    checkpoint whole = arch_format.load(arch_path);
    const std::string weights_path = resolve_checkpoint_argument(common.weights);
    const plugin_record& weights_format = format_for_reading(plugins, weights_path, "tf_checkpoint");
    format(weights_format).require_loadable(weights_path);
    const checkpoint weights =
        format(weights_format).load(weights_path, reading_options(weights_format, weighted_layers(whole, arch_path)));
    whole.tensors = weights.tensors;

    session_options options;
    options.config_path = common.config_path;
    options.overrides = overrides;
    options.plugin_dirs = common.plugin_dirs;
    options.load_train_data = false;
    session s(options, whole, arch_path + " + " + weights_path);
    const metric_logs logs = s.fitter().evaluate(s.test_data(), s.config().batch_size);
    std::cout << "Restored model from " << arch_path << " with weights " << weights_path << " (" << weights_format.name
              << ")\n";
    std::cout << "Test (" << s.test_data().size() << " samples): " << format_logs(logs).substr(3) << "\n";
    if (const auto accuracy = logs.get("accuracy")) std::cout << "Restored model, accuracy: " << percent(*accuracy) << "\n";
    return 0;
}

}  // namespace mlrun::cli
