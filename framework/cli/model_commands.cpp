// Commands on saved model files (evaluate, summary, predict with --model;
// inspect), and the save at the end of training.
#include "commands.hpp"

#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "config/bounded_yaml.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/data/array_io.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "train/session.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <optional>

namespace mlrun::cli {
namespace {

const std::string& required(const std::string& value, const char* option, const char* command)
{
    if (value.empty()) {
        throw usage_error(std::string("'") + command + "' needs " + option +
                          ", e.g. mlrun predict --model my_model.h5 --input x.npy --output y.npy");
    }
    return value;
}

std::string percent(double fraction)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * fraction);
    return buffer;
}

// The trained-for line, e.g. " (5 epochs, iteration 1565)".
std::string trained_note(loaded_model& lm)
{
    std::string note;
    if (lm.state()) note += std::to_string(lm.state()->epochs_done) + " epochs";
    if (lm.compiled()) {
        note += (note.empty() ? "" : ", ") + std::string("optimizer at iteration ") +
                std::to_string(lm.fitter().get_optimizer().iterations());
    }
    return note.empty() ? "" : " (" + note + ")";
}

// "min -0.154 max 0.151 mean -0.00411" of a numeric tensor.
std::string statistics(const tensor& t)
{
    if (t.size() == 0) return "";
    double low = 0, high = 0, sum = 0;
    for (std::int64_t i = 0; i < t.size(); ++i) {
        const double v = t.type() == dtype::int64 ? static_cast<double>(t.data<std::int64_t>()[i])
                                                  : static_cast<double>(t.f32()[i]);
        low = i == 0 ? v : std::min(low, v);
        high = i == 0 ? v : std::max(high, v);
        sum += v;
    }
    char buffer[96];
    if (t.size() == 1) {
        std::snprintf(buffer, sizeof buffer, "= %.9g", low);
    } else {
        std::snprintf(buffer, sizeof buffer, "min %.4g  max %.4g  mean %.4g", low, high, sum / static_cast<double>(t.size()));
    }
    return buffer;
}

// One line: {units: 512, activation: relu}, [accuracy].
std::string flow(const YAML::Node& node)
{
    std::string text;
    if (node.IsMap()) {
        for (const auto& kv : node) text += (text.empty() ? "" : ", ") + kv.first.Scalar() + ": " + flow(kv.second);
        return "{" + text + "}";
    }
    if (node.IsSequence()) {
        for (const auto& item : node) text += (text.empty() ? "" : ", ") + flow(item);
        return "[" + text + "]";
    }
    return node.IsScalar() ? node.Scalar() : "null";
}

void print_layers(const std::string& yaml)
{
    const YAML::Node layers = load_bounded_yaml(yaml);
    for (const YAML::Node& item : layers) {
        std::string inputs;
        for (const auto& kv : item) {
            if (kv.first.Scalar() == "inputs") inputs = "  <- " + flow(kv.second);
        }
        for (const auto& kv : item) {
            const std::string cls = kv.first.Scalar();
            if (cls == "inputs" || cls == "name") continue;
            YAML::Node settings = YAML::Clone(kv.second);
            const std::string name = settings["name"] ? settings["name"].Scalar() : "";
            if (settings.IsMap()) settings.remove("name");
            std::printf("  %-22s %-12s %s%s\n", name.c_str(), cls.c_str(), settings.size() > 0 ? flow(settings).c_str() : "",
                        inputs.c_str());
        }
    }
}

// The experiment's `save` section, after training that ended at `epoch`.
void save_as_experiment_says(const experiment& e, const model& m, const optimizer& opt, int epoch, std::uint64_t seed,
                             const plugin_registry& plugins)
{
    const save_options& save = e.save;
    if (!save.enabled()) return;
    save_request request;
    request.opt = save.include_optimizer ? &opt : nullptr;
    request.loss = loss_text(e.loss);
    request.metrics = e.metrics;
    training_state state;
    state.epochs_done = epoch;
    state.step = opt.iterations();
    state.seed = seed;
    state.batch_size = e.batch_size;
    state.shuffle = e.shuffle;
    state.data = data_section_text(e.data);
    request.state = state;
    request.backend = e.backend;
    request.weights_only = save.weights_only;
    request.format = save.format;
    if (!save.keras_version.empty()) request.format_options = {{"keras_version", save.keras_version}};
    request.source = e.source.file_for("model");
    save_model(save.path, m, request, plugins);
    std::cout << "Saved " << (save.weights_only ? "the weights" : "the model") << " to " << save.path << " ("
              << choose_format(plugins, save.format, save.path, "save.format").name << " format, after epoch " << epoch
              << ")\n";
}

void print_test_line(const dataset& test, const metric_logs& logs)
{
    std::cout << "Test (" << test.size() << " samples): " << format_logs(logs).substr(3);
    if (auto accuracy = logs.get("accuracy")) std::cout << " (" << percent(*accuracy) << ")";
    std::cout << "\n";
}

}  // namespace

void save_trained_model(session& s, const history& h)
{
    const experiment& e = s.config();
    save_as_experiment_says(e, s.net(), s.fitter().get_optimizer(), s.first_epoch() + static_cast<int>(h.epochs.size()),
                            s.seed(), s.plugins());
}

int train_model(const common_options& common, const std::vector<std::string>& overrides)
{
    if (common.config_path.empty()) {
        throw usage_error("'train --model' needs --config CONFIG for the data and the fit settings, e.g. "
                          "mlrun train --model my_model.h5 --config configs/mnist_h5.yaml fit.epochs=10");
    }
    return train(common, common.config_path, overrides);
}

namespace {

// A session on the saved model --model names, with --config's experiment
// when given (its data, backend and plugin paths).
session_options saved_model_session(const common_options& common, const std::vector<std::string>& overrides,
                                    bool test_data)
{
    session_options options;
    options.config_path = common.config_path;
    options.overrides = overrides;
    options.plugin_dirs = common.plugin_dirs;
    options.load_train_data = false;
    options.load_test_data = test_data;
    return options;
}

}  // namespace

int evaluate_model(const common_options& common, const std::vector<std::string>& overrides)
{
    session s(saved_model_session(common, overrides, true), common.model_path);
    const metric_logs logs = s.fitter().evaluate(s.test_data(), s.config().batch_size);
    std::cout << "Restored model from " << common.model_path << trained_note(*s.saved_model()) << "\n";
    print_test_line(s.test_data(), logs);
    return 0;
}

int summarize_model(const common_options& common, const std::vector<std::string>& overrides)
{
    session s(saved_model_session(common, overrides, false), common.model_path);
    s.net().summary(std::cout);
    return 0;
}

int predict_with_model(const common_options& common, const std::vector<std::string>& overrides)
{
    const std::string& path = required(common.model_path, "--model FILE", "predict");
    const std::string& input = required(common.input_path, "--input X.npy|X.csv", "predict");
    const std::string& output = required(common.output, "--output Y.npy|Y.csv", "predict");
    session s(saved_model_session(common, overrides, false), path);
    tensor x = read_array(input);
    const shape& sample = s.net().input_shape();
    if (x.dims().rank() == 0 || x.dims().without_batch().element_count() != sample.element_count()) {
        throw data_error(input + ": the model takes samples of shape " + sample.to_string() + " (" +
                         std::to_string(sample.element_count()) + " values each), the file holds " +
                         x.dims().to_string());
    }
    x.reshape(sample.with_batch(x.dims()[0]));
    const tensor y = s.predict(x, 256);
    write_array(output, y);
    std::cout << "Wrote " << y.dims()[0] << " predictions of shape " << s.net().output_shape().to_string() << " to "
              << output << "\n";
    return 0;
}

int inspect_hdf5(const common_options& common, const std::string& file)
{
    const plugin_registry plugins(plugin_search_order(common.plugin_dirs, {}));
    const format fmt = format_for_path(plugins, file);
    const checkpoint ckpt = fmt.load(file);
    auto meta = [&](const char* key) {
        auto it = ckpt.metadata.find(key);
        return it == ckpt.metadata.end() ? std::string() : it->second;
    };
    std::cout << file << ": " << (meta("keras_layout").empty() ? "model file" : meta("keras_layout"));
    // mlrun's files carry its version, or at least its checksum block; the
    // Keras version in them names the layout they follow, not a writer.
    const bool by_mlrun = !meta("mlrun_version").empty() || meta("file_checksum").rfind("crc32c", 0) == 0;
    const std::string keras = !meta("keras_version").empty()              ? meta("keras_version")
                              : meta("keras_layout") == "keras 3 weights" ? "3"
                                                                          : "";
    if (by_mlrun) {
        std::cout << ", written by mlrun" << (meta("mlrun_version").empty() ? "" : " " + meta("mlrun_version"))
                  << (keras.empty() ? "" : " in the layout of Keras " + keras);
    } else if (!meta("keras_version").empty()) {
        std::cout << ", written by Keras " << meta("keras_version");
    }
    std::cout << "\n";
    if (!meta("model_config").empty()) {
        std::cout << "\nLayers:\n";
        print_layers(meta("model_config"));
    }
    if (!meta("model_config_error").empty()) {
        std::cout << "\nThe architecture cannot be rebuilt: " << meta("model_config_error") << "\n";
    }
    if (!meta("training_config_error").empty()) {
        std::cout << "\nThe training configuration cannot be used: " << meta("training_config_error") << "\n";
    }
    if (!meta("loss").empty() || !meta("optimizer_config").empty()) {
        std::cout << "\nCompiled with:\n";
        if (!meta("loss").empty()) std::cout << "  loss: " << meta("loss") << "\n";
        if (!meta("metrics").empty()) std::cout << "  metrics: " << flow(load_bounded_yaml(meta("metrics"))) << "\n";
        if (!meta("optimizer_config").empty()) {
            const YAML::Node optimizer = load_bounded_yaml(meta("optimizer_config"));
            std::cout << "  optimizer: " << optimizer["name"].Scalar() << " " << flow(optimizer["config"]) << "\n";
        }
    }
    if (!meta("training_state").empty()) {
        const YAML::Node state = load_bounded_yaml(meta("training_state"));
        std::cout << "  trained: " << state["epoch"].Scalar() << " epochs, seed " << state["seed"].Scalar()
                  << ", batch size " << state["batch_size"].Scalar() << "\n";
    }
    std::int64_t parameters = 0;
    std::int64_t state_values = 0;
    std::cout << "\nWeights:\n";
    for (const auto& [name, t] : ckpt.tensors) {
        if (name.rfind("optimizer/", 0) == 0) continue;
        parameters += t.size();
        std::printf("  %-36s %-8s %-14s %s\n", name.c_str(), std::string(dtype_name(t.type())).c_str(),
                    t.dims().to_string().c_str(), statistics(t).c_str());
    }
    bool optimizer_header = false;
    for (const auto& [name, t] : ckpt.tensors) {
        if (name.rfind("optimizer/", 0) != 0) continue;
        if (!optimizer_header) std::cout << "\nOptimizer state:\n";
        optimizer_header = true;
        if (name != "optimizer/iterations") state_values += t.size();
        std::printf("  %-36s %-8s %-14s %s\n", name.substr(10).c_str(), std::string(dtype_name(t.type())).c_str(),
                    t.dims().to_string().c_str(), statistics(t).c_str());
    }
    if (!optimizer_header) std::cout << "\nNo optimizer state.\n";
    std::cout << "\nTotal: " << parameters << " weight values";
    if (optimizer_header) std::cout << ", " << state_values << " optimizer slot values";
    std::cout << "\n";
    return 0;
}

}  // namespace mlrun::cli
