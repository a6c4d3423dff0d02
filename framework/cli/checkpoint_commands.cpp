// The checkpoint commands: latest, inspect, and evaluate --weights.
#include "commands.hpp"

#include "mlrun/checkpoint/checkpoint_locator.hpp"
#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format_choice.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/format_listing.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "train/session.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace mlrun::cli {
namespace {

std::string percent(double fraction)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * fraction);
    return buffer;
}

std::string number(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

// Format options for reading `plugin`'s files in TensorFlow's own names
// (inspect) or in mlrun's, mapped onto `layer_names` (loading weights).
format_options reading_options(const plugin_record& plugin, bool tensorflow_names, const std::string& layer_names,
                               bool require_data)
{
    if (plugin.name != "tf_checkpoint") return {};  // other formats take no such options
    format_options options = {{"names", tensorflow_names ? "tensorflow" : "mlrun"}};
    if (!layer_names.empty()) options.emplace_back("layer_names", layer_names);
    if (!require_data) options.emplace_back("require_data", "false");
    return options;
}

std::string printable(const std::string& s, std::size_t limit)
{
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n') out += "\\n";
        else if (c == '\\' || c == '"') out += std::string("\\") + static_cast<char>(c);
        else if (c < 0x20 || c >= 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else out += static_cast<char>(c);
    }
    return "\"" + out + "\"" + (s.size() > limit ? "... (" + std::to_string(s.size()) + " bytes)" : "");
}

template <class T> void print_numbers(const T* data, std::int64_t count)
{
    // Short tensors in full; long ones as their ends and a summary, like
    // numpy's printout of a large array.
    auto item = [&](std::int64_t i) { return number(static_cast<double>(data[i])); };
    std::cout << "  [";
    if (count <= 10) {
        for (std::int64_t i = 0; i < count; ++i) std::cout << (i ? ", " : "") << item(i);
        std::cout << "]\n";
        return;
    }
    for (std::int64_t i = 0; i < 5; ++i) std::cout << item(i) << ", ";
    std::cout << "..., ";
    for (std::int64_t i = count - 3; i < count; ++i) std::cout << item(i) << (i + 1 < count ? ", " : "");
    double low = static_cast<double>(data[0]), high = low, sum = 0.0;
    for (std::int64_t i = 0; i < count; ++i) {
        const auto v = static_cast<double>(data[i]);
        low = std::min(low, v);
        high = std::max(high, v);
        sum += v;
    }
    std::cout << "]  (" << count << " values; min " << number(low) << ", max " << number(high) << ", mean "
              << number(sum / static_cast<double>(count)) << ")\n";
}

void print_values(const tensor& t)
{
    switch (t.type()) {
    case dtype::float32: print_numbers(t.data<float>(), t.size()); break;
    case dtype::int64: print_numbers(t.data<std::int64_t>(), t.size()); break;
    case dtype::int32: print_numbers(t.data<std::int32_t>(), t.size()); break;
    case dtype::uint8: print_numbers(t.data<std::uint8_t>(), t.size()); break;
    case dtype::string:
        for (std::size_t i = 0; i < t.strings().size() && i < 10; ++i) std::cout << "  " << printable(t.strings()[i], 200) << "\n";
        if (t.strings().size() > 10) std::cout << "  ... (" << t.strings().size() << " strings)\n";
        break;
    }
}

std::string describe(const std::string& name, dtype type, const shape& dims)
{
    std::string text = name + " (" + std::string(dtype_name(type)) + ") [";
    for (std::size_t i = 0; i < dims.rank(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
    return text + "]";
}

}  // namespace

int latest(const std::string& directory)
{
    if (const std::optional<std::string> path = latest_checkpoint(directory)) {
        std::cout << *path << "\n";
        return 0;
    }
    resolve_checkpoint_argument(directory);  // throws the reason
    throw io_error(directory + ": not a directory of checkpoints");
}

int inspect(const common_options& common, const std::string& path_or_directory)
{
    plugin_registry plugins(plugin_search_order(common.plugin_dirs, {}));
    const std::string path = resolve_checkpoint_argument(path_or_directory);
    const plugin_record& plugin = format_for_reading(plugins, path);
    if (plugin.name == "hdf5") return inspect_hdf5(common, path);  // Keras files get their own layout
    std::vector<std::string> lines;
    std::map<std::string, std::string> metadata;
    if (!common.values) {
        const checkpoint_listing listing = list_tensors(plugin, path, reading_options(plugin, true, "", false));
        for (const tensor_listing& t : listing.tensors) lines.push_back(describe(t.name, t.type, t.dims));
        std::sort(lines.begin(), lines.end());
        for (const std::string& line : lines) std::cout << line << "\n";
        metadata = listing.metadata;
    } else {
        checkpoint c = format(plugin).load(path, reading_options(plugin, true, "", true));
        std::sort(c.tensors.begin(), c.tensors.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [name, t] : c.tensors) {
            std::cout << describe(name, t.type(), t.dims()) << "\n";
            print_values(t);
        }
        metadata = c.metadata;
    }
    for (const auto& [key, value] : metadata) {
        std::cout << (key == "tf_skipped_tensors" ? "not readable by mlrun" : "metadata " + key) << ":\n";
        std::istringstream in(value);
        for (std::string line; std::getline(in, line);) std::cout << "  " << line << "\n";
    }
    return 0;
}

int evaluate_weights(const common_options& common, const std::string& config, const std::vector<std::string>& overrides)
{
    session s({config, overrides, common.plugin_dirs, false});
    const std::string path = resolve_checkpoint_argument(common.weights);
    const std::string& configured = s.checkpointing().format;
    const plugin_record& plugin = format_for_reading(s.plugins(), path, configured.empty() ? "tf_checkpoint" : configured);
    format(plugin).require_loadable(path);
    // Read under the file's own names (its checksums are keyed by them),
    // then paired with the model's layers by name or position, as Keras does.
    const checkpoint ckpt = format(plugin).load(path, reading_options(plugin, false, "", true));
    // Evaluation needs the weights only; optimizer state in the file is
    // left unread (restore_state ignores it without an optimizer).
    const std::vector<load_mismatch> skipped = restore_state(
        s.net(), nullptr, common.allow_partial ? ckpt : weights_paired_with(s.net(), ckpt, path), common.allow_partial, path);
    std::cout << "Loaded weights from " << path << " (" << plugin.name << ")\n";
    if (!skipped.empty()) {
        std::cout << "Skipped " << skipped.size() << " mismatch(es) (--allow-partial):\n";
        for (const load_mismatch& m : skipped) std::cout << "  " << m.tensor << ": " << m.problem << "\n";
    }
    if (const auto found = ckpt.metadata.find("tf_skipped_tensors"); found != ckpt.metadata.end()) {
        std::cout << "Not read (no mlrun type):\n" << found->second;
    }
    const metric_logs logs = s.fitter().evaluate(s.test_data(), s.config().batch_size);
    std::cout << "Test (" << s.test_data().size() << " samples): " << format_logs(logs).substr(3) << "\n";
    if (const auto accuracy = logs.get("accuracy")) std::cout << "Restored model, accuracy: " << percent(*accuracy) << "\n";
    return 0;
}

}  // namespace mlrun::cli
