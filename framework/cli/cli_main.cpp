#include "commands.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/regular_file.hpp"
#include "mlrun/version.hpp"

#include <boost/filesystem/operations.hpp>
#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;

namespace mlrun::cli {
namespace {

const char* const usage_text =
    "usage: mlrun [options] CONFIG [section.key=value ...]   train the experiment in CONFIG\n"
    "       mlrun [options] train CONFIG [overrides]          the same\n"
    "       mlrun [options] evaluate CONFIG [overrides]       evaluate the freshly initialised model on the test split\n"
    "       mlrun [options] evaluate CONFIG --weights PREFIX_OR_DIR [--allow-partial]\n"
    "                                                         load saved weights (a directory: its latest) and evaluate\n"
"       mlrun [options] CONFIG --resume[=fallback]          go on from the latest checkpoint (docs/resume.md)\n"
    "       mlrun [options] CONFIG --profile                    train, then print the time of each kernel (docs/backends.md)\n"
    "       mlrun verify PATH                                 check a checkpoint, Keras file or directory's checkpoints\n"
    "       mlrun latest DIR                                  print DIR's latest checkpoint, as tf.train.latest_checkpoint\n"
    "       mlrun [options] inspect PATH [--values]           list a checkpoint's tensors (names, dtypes, shapes, values)\n"
    "       mlrun [options] summary CONFIG [overrides]        print the model's summary table\n"
    "       mlrun [options] plugins                           list plugins found, and files skipped with the reason\n"
    "       mlrun evaluate --model FILE [--config CONFIG] [overrides]\n"
    "                                  evaluate a saved model on the test data it was trained with (or CONFIG's)\n"
    "       mlrun train --model FILE --config CONFIG [overrides] [--resume]\n"
    "                                  go on training a saved model from where it stopped, as a run of CONFIG\n"
    "       mlrun summary --model FILE [--config CONFIG]      print a saved model's summary table\n"
    "       mlrun predict --model FILE [--config CONFIG] --input X.npy|X.csv --output Y.npy|Y.csv\n"
    "                                                         run a saved model on the samples in X\n"
    "       mlrun convert SRC DST [--format-option KEY=VALUE] convert a checkpoint between formats (TF checkpoint, .h5,\n"
    "                                                         .yaml, DIR/ for TF.js)\n"
    "       mlrun export-architecture CONFIG ARCH.yaml [overrides]\n"
    "                                  write the model's architecture and compile settings (no weights)\n"
    "       mlrun evaluate --architecture ARCH.yaml --weights PREFIX_OR_FILE [--config CONFIG]\n"
    "                                  rebuild the model from ARCH, load weights of any format, evaluate\n"
    "       mlrun config keys                                 every experiment key, layer and optimizer (markdown)\n"
    "       mlrun config dump CONFIG [overrides]              the fully resolved experiment\n"
    "       mlrun serve DIR [NAME=PATH ...] [--port P]        serve DIR (and PATH as /NAME/) on 127.0.0.1 for a browser\n"
    "       mlrun plot RUN_DIR [-o curves.png|curves.svg]     draw a run's loss and accuracy curves (CSV log or event files)\n"
    "\n"
    "Overrides beat the file and are type-checked: fit.epochs=3 backend=openblas data.train.take=500\n"
    "Exit codes: 0 ok, 1 other failure, 2 usage, 3 config, 4 data, 5 plugin, 6 model, 7 file I/O,\n"
    "            130/143 training stopped by SIGINT/SIGTERM (a checkpoint saved first).\n";

int run_command(const std::vector<std::string>& args, const common_options& common)
{
    if (args.empty()) throw usage_error("no experiment given");
    const std::string& first = args[0];
    auto rest = [&](std::size_t from) { return std::vector<std::string>(args.begin() + static_cast<long>(from), args.end()); };
    auto config_of = [&](const std::string& command) {
        if (args.size() < 2) throw usage_error("'" + command + "' needs an experiment file: mlrun " + command + " CONFIG");
        return args[1];
    };
    if (first == "plugins") return list_plugins(common);
    if (first == "config") {
        if (args.size() == 2 && args[1] == "keys") return config_keys();
        if (args.size() >= 3 && args[1] == "dump") return config_dump(args[2], rest(3));
        throw usage_error("unknown config command; try: mlrun config keys, mlrun config dump CONFIG");
    }
    auto only_argument = [&](const char* usage) {
        if (args.size() != 2) throw usage_error(std::string("usage: ") + usage);
        return args[1];
    };
    if (common.values && first != "inspect") throw usage_error("--values goes with: mlrun inspect PATH --values");
    if (!common.architecture.empty() && first != "evaluate") {
        throw usage_error("--architecture goes with: mlrun evaluate --architecture ARCH.yaml --weights PREFIX");
    }
    if (!common.format_options.empty() && first != "convert") {
        throw usage_error("--format-option goes with: mlrun convert SRC DST --format-option KEY=VALUE");
    }
    if (first == "serve") return serve(rest(1), common.port);
    if (first == "convert") return convert(common, rest(1));
    if (first == "export-architecture") return export_architecture(common, rest(1));
    if (first == "evaluate" && !common.architecture.empty()) return evaluate_architecture(common, rest(1));
    if ((!common.weights.empty() || common.allow_partial) && first != "evaluate") {
        throw usage_error("--weights and --allow-partial go with: mlrun evaluate CONFIG --weights PREFIX_OR_DIR");
    }
    const bool other_command = first == "verify" || first == "latest" || first == "inspect" || first == "evaluate" ||
                               first == "summary" || first == "predict" || first == "plot";
    if (!common.resume.empty() && other_command) {
        throw usage_error("--resume goes with training: mlrun CONFIG --resume");
    }
    if (common.profile && other_command) throw usage_error("--profile goes with training: mlrun CONFIG --profile");
    if (first == "verify") return verify(common, only_argument("mlrun verify PATH"));
    if (first == "latest") return latest(only_argument("mlrun latest DIR"));
    if (first == "inspect") {
        const std::string path = only_argument("mlrun inspect PATH [--values]");
        return inspect(common, path);
    }
    if (first == "evaluate" && !common.weights.empty()) return evaluate_weights(common, config_of(first), rest(2));
    if (first == "evaluate" && !common.model_path.empty()) return evaluate_model(common, rest(1));
    if (first == "train" && !common.model_path.empty()) return train_model(common, rest(1));
    if (first == "summary" && !common.model_path.empty()) return summarize_model(common, rest(1));
    if (first == "predict") return predict_with_model(common, rest(1));
    if (first == "train") return train(common, config_of(first), rest(2));
    if (first == "evaluate") return evaluate(common, config_of(first), rest(2));
    if (first == "summary") return summary(common, config_of(first), rest(2));
    if (first == "plot") return plot(common, rest(1));
    return train(common, first, rest(1));
}

// A --plugin-dir must name a directory: one that does not, silently
// searched as empty, would leave the user wondering where a plugin went.
boost::filesystem::path checked_plugin_dir(const std::string& argument)
{
    if (argument.empty()) throw usage_error("--plugin-dir '': expected a directory, found an empty argument");
    boost::system::error_code ec;
    const boost::filesystem::file_status status = boost::filesystem::status(argument, ec);
    if (!boost::filesystem::exists(status)) {
        throw usage_error("--plugin-dir '" + argument + "': expected a directory, found nothing there" +
                          (ec && ec != boost::system::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : ""));
    }
    if (!boost::filesystem::is_directory(status)) {
        const std::string kind = non_regular_kind(argument);
        throw usage_error("--plugin-dir '" + argument + "': expected a directory, found " +
                          (kind.empty() ? std::string("a file") : kind));
    }
    return argument;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        common_options common;
        std::vector<std::string> plugin_dirs;
        std::vector<std::string> args;
        po::options_description visible("options");
        visible.add_options()("help,h", "show this help")("version", "print the version")(
            "plugin-dir", po::value(&plugin_dirs)->composing(), "search this directory for plugins first (repeatable)")(
            "verbose,v", po::bool_switch(&common.verbose), "more detail (plugins: the kernels each backend provides)")(
            "output,o", po::value(&common.output),
            "where a command writes: plot's picture (.png or .svg, default RUN_DIR/curves.png), predict's outputs (.npy or .csv)")(
            "weights", po::value(&common.weights), "evaluate: load these weights (a checkpoint, or a directory's latest)")(
            "allow-partial", po::bool_switch(&common.allow_partial), "evaluate --weights: load what matches, list the rest")(
            "values", po::bool_switch(&common.values), "inspect: print the tensors' values too")(
            "model", po::value(&common.model_path), "a saved model file (evaluate, summary, predict)")(
            "config", po::value(&common.config_path), "an experiment whose data and backend to use (evaluate --model), or to train a saved model with (train --model)")(
            "input", po::value(&common.input_path), "samples to predict: .npy or .csv (predict)")(
            "architecture", po::value(&common.architecture), "evaluate: an architecture file (export-architecture) to pair with --weights")(
            "resume", po::value(&common.resume)->implicit_value("auto"),
            "train: go on from the latest checkpoint (=fallback: from the newest sound one when it is damaged)")(
            "profile", po::bool_switch(&common.profile), "train: time every kernel call and print where the time went")(
            "port", po::value(&common.port), "serve: the port on 127.0.0.1 (default 8080; 0: any free one)")(
            "format-option", po::value(&common.format_options)->composing(),
            "convert: KEY=VALUE for DST's format (tfjs: quantize=float16|uint8, shard_size=BYTES, overwrite=true)");
        po::options_description hidden;
        hidden.add_options()("args", po::value(&args));
        po::options_description all;
        all.add(visible).add(hidden);
        po::positional_options_description positional;
        positional.add("args", -1);
        po::variables_map vm;
        try {
            // A bare --resume must not take the next word (the experiment) as its value.
            std::vector<std::string> words(argv + 1, argv + argc);
            for (std::string& w : words) {
                if (w == "--resume") w = "--resume=auto";
            }
            po::store(po::command_line_parser(words).options(all).positional(positional).run(), vm);
            po::notify(vm);
        } catch (const po::error& e) {
            throw usage_error(e.what());
        }
        if (vm.count("help")) {
            std::cout << usage_text << "\n" << visible;
            return 0;
        }
        if (vm.count("version")) {
            std::cout << "mlrun " << MLRUN_VERSION << "\n";
            return 0;
        }
        for (const std::string& d : plugin_dirs) common.plugin_dirs.push_back(checked_plugin_dir(d));
        return run_command(args, common);
    } catch (const usage_error& e) {
        std::cerr << "mlrun: " << e.what() << "\n\n" << usage_text;
        return static_cast<int>(exit_code::usage);
    } catch (const error& e) {
        std::cerr << "mlrun: error: " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        std::cerr << "mlrun: error: out of memory\n";
        return static_cast<int>(exit_code::failure);
    } catch (const std::exception& e) {
        std::cerr << "mlrun: error: " << e.what() << "\n";
        return static_cast<int>(exit_code::failure);
    }
}

}  // namespace mlrun::cli
