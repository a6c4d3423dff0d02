#include "commands.hpp"
#include "ranks.hpp"

#include "mlrun/train/signal_stop.hpp"

#include "backend/default_threads.hpp"
#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/core/error.hpp"
#include "experiment/experiment.hpp"
#include "experiment/schema_docs.hpp"
#include "mlrun/train/progress_printer.hpp"
#include "train/session.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

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

// `word` as a POSIX shell reads it back: bare when it is plain, else in single quotes.
std::string shell_quoted(const std::string& word)
{
    const bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                               "0123456789_./=:,+-@%") == std::string::npos;
    if (plain) return word;
    std::string quoted = "'";
    for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// After a signal: how to go on, when a checkpoint exists to go on from.
void print_stop_message(session& s, int signal, const common_options& common, const std::string& config,
                        const std::vector<std::string>& overrides)
{
    std::cout << "Stopped by signal " << signal;
    const std::string& templ = s.checkpointing().path;
    const boost::filesystem::path directory = boost::filesystem::path(templ).parent_path();
    const std::optional<checkpoint_state> state =
        templ.empty() ? std::nullopt : read_checkpoint_state(directory.empty() ? "." : directory.string());
    if (!state || state->model_checkpoint_path.empty()) {
        std::cout << "; no checkpoint was saved (checkpoint.path " << (templ.empty() ? "is empty" : "'" + templ + "'")
                  << "), so this run cannot be resumed\n";
        return;
    }
    std::string command = "mlrun " + (common.model_path.empty() ? shell_quoted(config)
                                                                : "train --model " + shell_quoted(common.model_path) +
                                                                      " --config " + shell_quoted(config));
    for (const std::string& o : overrides) command += " " + shell_quoted(o);
    std::cout << "; `" << command << " --resume` goes on from here\n";
}

}  // namespace

namespace {

int train_in(session& s, const common_options& common, const std::string& config,
             const std::vector<std::string>& overrides);

}  // namespace

int train(const common_options& common, const std::string& config, const std::vector<std::string>& overrides)
{
    // Declared before the session, which holds it, so it outlives the session.
    std::unique_ptr<communicator> ranks;
    const rank_connector connect = [&ranks](const distributed_options& d) -> communicator& {
        ranks = connect_ranks(d);
        return *ranks;
    };
    try {
        session s(options_for(common, config, overrides, true), common.model_path, connect);
        // Rank 0 alone prints; the others keep quiet until the end, errors excepted.
        std::streambuf* const shown = std::cout.rdbuf();
        if (!s.is_root()) std::cout.rdbuf(nullptr);
        struct restore_output {
            std::streambuf* buffer;
            ~restore_output() { std::cout.clear(), std::cout.rdbuf(buffer); }
        } restore{shown};
        return train_in(s, common, config, overrides);
    } catch (const error& e) {
        if (!ranks || ranks->size() < 2) throw;
        // An error one rank meets alone would leave the others waiting for
        // it: say which rank it was, then end the whole job.
        std::cerr << "mlrun: error: rank " << ranks->rank() << " of " << ranks->size() << ": " << e.what() << "\n"
                  << std::flush;
        ranks->abort(static_cast<int>(e.code()));
    } catch (const std::exception& e) {
        if (!ranks || ranks->size() < 2) throw;
        std::cerr << "mlrun: error: rank " << ranks->rank() << " of " << ranks->size() << ": " << e.what() << "\n"
                  << std::flush;
        ranks->abort(static_cast<int>(exit_code::failure));
    }
    return static_cast<int>(exit_code::failure);  // not reached: every path above returns, throws or aborts
}

namespace {

int train_in(session& s, const common_options& common, const std::string& config,
             const std::vector<std::string>& overrides)
{
    if (!common.resume.empty()) s.set_resume(parse_resume_mode(common.resume));
    if (!common.model_path.empty()) {
        std::cout << "Going on from epoch " << s.start_epoch() << " of " << common.model_path << " (seed " << s.seed()
                  << ") to epoch " << s.config().epochs << "\n";
        if (!s.optimizer_note().empty()) std::cout << "note: " << s.optimizer_note() << "\n";
    }
    if (!s.thread_note().empty()) std::cout << s.thread_note() << "\n";
    if (s.config().verbose != 0) s.net().summary(std::cout);
    if (common.profile) s.compute().start_profiling();
    const auto started = std::chrono::steady_clock::now();
    const history trained = s.fit(std::cout, {});
    if (const int signal = signal_stop::received(); signal != 0) {
        // docs/resume.md: 130 for SIGINT, 143 for SIGTERM, as a shell reports them.
        print_stop_message(s, signal, common, config, overrides);
        return 128 + signal;
    }
    print_test_result(s, s.fitter().evaluate(s.test_data(), s.config().batch_size));
    if (const kernel_profile* profile = s.compute().profile()) {
        profile->print(std::cout, s.compute().name(),
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    // save.path: one file (or one shard), written by rank 0 alone.
    if (s.is_root()) save_trained_model(s, trained);
    return 0;
}

}  // namespace

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
    std::cout << "\n";
    if (common.verbose) std::cout << "threads by default: " << default_threads().reason() << "\n";
    std::cout << "\n";
    std::printf("%-14s %-8s %-9s %-5s %s\n", "NAME", "KIND", "VERSION", "ABI", "PATH");
    for (const plugin_record& p : registry.plugins()) {
        const std::string abi = std::to_string(p.abi_major) + "." + std::to_string(p.abi_minor);
        std::printf("%-14s %-8s %-9s %-5s %s\n", p.name.c_str(), plugin_kind_name(p.kind), p.version.c_str(),
                    abi.c_str(), p.path.c_str());
        std::printf("%15s%s\n", "", p.description.c_str());
        if (common.verbose && p.kind == MLRUN_PLUGIN_BACKEND) {
            // The kernels need the backend loaded (probed first); one that
            // cannot be is reported in its place and the listing goes on.
            std::optional<backend> loaded;
            try {
                loaded.emplace(p, std::vector<std::pair<std::string, std::string>>{{"threads", "1"}});
            } catch (const plugin_error& e) {
                std::printf("%15scannot show its kernels: %s\n", "", e.what());
                continue;
            }
            const backend& b = *loaded;
            const std::vector<std::string> provided = b.provided_kernels();
            std::string kernels, fallback;
            for (const std::string& k : backend::kernel_names()) {
                const bool own = std::find(provided.begin(), provided.end(), k) != provided.end();
                std::string& list = own ? kernels : fallback;
                list += (list.empty() ? "" : " ") + k;
            }
            std::printf("%15skernels: %s\n", "", kernels.c_str());
            if (!fallback.empty()) std::printf("%15sfrom the reference: %s\n", "", fallback.c_str());
            // mixed_bfloat16's products: the CPU's bf16 instructions, or inputs rounded and float32 kernels.
            std::string bf16;
            for (const std::string& k : backend::bf16_kernel_names()) {
                const bool own = std::find(provided.begin(), provided.end(), k) != provided.end();
                bf16 += (bf16.empty() ? "" : ", ") + k + (own && b.bf16_native() ? " native" : " emulated");
            }
            std::printf("%15sbf16 (mixed_bfloat16): %s\n", "", bf16.c_str());
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
    std::cout << experiment_reference_markdown();
    return 0;
}

int config_dump(const std::string& config, const std::vector<std::string>& overrides)
{
    const experiment e = load_experiment(config, overrides);
    std::cout << "# the experiment " << config << " describes, every default filled in\n# from:";
    for (const std::string& f : e.source.files()) std::cout << " " << f << ";";
    std::cout << "\n" << YAML::Dump(e.resolved) << "\n";
    return 0;
}

}  // namespace mlrun::cli
