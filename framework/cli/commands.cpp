#include "commands.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/config/experiment.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "mlrun/train/session.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace mlrun::cli {
namespace {

session_options options_for(const common_options& common, const std::string& config,
                            const std::vector<std::string>& overrides, bool train_data)
{
    return {config, overrides, common.plugin_dirs, train_data};
}

std::string percent(double fraction)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * fraction);
    return buffer;
}

// The one closing line of a run: loss and every metric on the test split.
void print_test_result(const session& s, const metric_logs& logs)
{
    std::cout << "Test (" << s.test_data().size() << " samples): " << format_logs(logs).substr(3);
    if (auto accuracy = logs.get("accuracy")) std::cout << " (" << percent(*accuracy) << ")";
    std::cout << "\n";
}

void print_keys(const std::vector<key_spec>& keys, const std::string& prefix)
{
    for (const key_spec& k : keys) {
        const std::string name = prefix + k.name;
        if (k.kind == value_kind::mapping && !k.children.empty()) {
            std::cout << name << ": " << k.doc << "\n";
            print_keys(k.children, name + ".");
            continue;
        }
        std::cout << "  " << name << " (" << describe(k.kind) << (k.required ? ", required" : "")
                  << (k.required || k.default_value.empty() ? "" : ", default " + k.default_value) << ")\n"
                  << "      " << k.doc << "\n";
        if (!k.choices.empty()) {
            std::string list;
            for (const std::string& c : k.choices) list += (list.empty() ? "" : ", ") + c;
            std::cout << "      one of: " << list << "\n";
        }
    }
}

}  // namespace

int train(const common_options& common, const std::string& config, const std::vector<std::string>& overrides)
{
    session s(options_for(common, config, overrides, true));
    if (s.config().verbose != 0) s.net().summary(std::cout);
    s.fit(std::cout, {});
    print_test_result(s, s.fitter().evaluate(s.test_data(), s.config().batch_size));
    return 0;
}

int evaluate(const common_options& common, const std::string& config, const std::vector<std::string>& overrides)
{
    session s(options_for(common, config, overrides, false));
    std::cout << "Untrained model (freshly initialised with seed " << s.config().seed << ")\n";
    print_test_result(s, s.fitter().evaluate(s.test_data(), s.config().batch_size));
    return 0;
}

int summary(const common_options& common, const std::string& config, const std::vector<std::string>& overrides)
{
    session s(options_for(common, config, overrides, false));
    s.net().summary(std::cout);
    return 0;
}

int list_plugins(const common_options& common)
{
    plugin_registry registry(plugin_search_order(common.plugin_dirs, {}));
    std::cout << "searched:";
    for (const auto& d : registry.directories()) std::cout << " " << d.string();
    std::cout << "\n\n";
    std::printf("%-10s %-8s %-9s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI", "PATH");
    for (const plugin_record& p : registry.plugins()) {
        const std::string abi = std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
        std::printf("%-10s %-8s %-9s %-5s %s\n", p.name.c_str(), plugin_kind_name(p.kind), p.version.c_str(),
                    abi.c_str(), p.path.c_str());
        std::printf("           %s\n", p.description.c_str());
        if (common.verbose && p.kind == MLRUN_PLUGIN_BACKEND) {
            backend b(p, {{"threads", "1"}});
            const std::vector<std::string> provided = b.provided_kernels();
            std::string kernels, fallback;
            for (const std::string& k : backend::kernel_names()) {
                const bool own = std::find(provided.begin(), provided.end(), k) != provided.end();
                std::string& list = own ? kernels : fallback;
                list += (list.empty() ? "" : " ") + k;
            }
            std::printf("           kernels: %s\n", kernels.c_str());
            if (!fallback.empty()) std::printf("           from the reference: %s\n", fallback.c_str());
        }
    }
    std::fflush(stdout);
    if (!registry.skipped().empty()) {
        std::cout << "\nskipped:\n";
        for (const skipped_plugin& s : registry.skipped()) std::cout << "  " << s.path << ": " << s.reason << "\n";
    }
    return 0;
}

int config_keys()
{
    std::cout << "Experiment keys\n";
    print_keys(experiment_schema(), "");
    std::cout << "\nLayers (model: a list of '- Class: {settings}')\n";
    for (const layer_class& c : layer_classes()) {
        std::cout << c.name << ": " << c.doc << "\n";
        print_keys(c.keys, c.name + ".");
    }
    std::cout << "\nOptimizers (compile.optimizer)\n";
    for (const optimizer_class& c : optimizer_classes()) {
        std::cout << c.name << ": " << c.doc << "\n";
        print_keys(c.keys, c.name + ".");
    }
    return 0;
}

}  // namespace mlrun::cli
