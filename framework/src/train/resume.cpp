#include "mlrun/train/resume.hpp"

#include "callbacks/callback_state_yaml.hpp"
#include "mlrun/callbacks/callback_set.hpp"
#include "mlrun/checkpoint/checkpoint_manager.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "config/bounded_yaml.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"
#include "mlrun/optim/optimizers.hpp"

#include <cctype>

namespace mlrun {
namespace {

const std::string* find_meta(const checkpoint& ckpt, const char* key)
{
    const auto it = ckpt.metadata.find(key);
    return it == ckpt.metadata.end() ? nullptr : &it->second;
}

// The optimizer a stored {name, config} makes, as capture_state renders it
// and without the learning rate, which callbacks may have changed and the
// checkpoint restores. One that cannot be made stays as it is.
std::string optimizer_identity(const std::string& optimizer_config)
{
    try {
        const YAML::Node saved = load_bounded_yaml(optimizer_config);
        std::string name = saved["name"].as<std::string>();
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        YAML::Node spec;
        spec[name] = saved["config"];
        const std::unique_ptr<optimizer> made = make_optimizer(spec, "optimizer_config");
        YAML::Node config = encode_optimizer_settings(made->config());
        if (config.IsMap()) config.remove("learning_rate");
        return made->class_name() + " " + YAML::Dump(config);
    } catch (const std::exception&) {
        return optimizer_config;
    }
}

// The model a layer list builds, rendered as capture_state renders it, so
// that spellings of one model compare equal whichever format stored them
// (an Input layer or input_shape, 0.2 or its float). A list that does not
// build stays as it is, and then differs.
std::string canonical_model(const std::string& layer_list)
{
    try {
        const std::unique_ptr<model> m = build_model(load_bounded_yaml(layer_list), "model_config", std::nullopt);
        rng init(0);
        m->build(init);
        YAML::Node layers = load_bounded_yaml(capture_state(*m, nullptr).metadata.at(checkpoint_keys::model_config));
        // A chain (each layer fed by the one before) reads the same with or without its `inputs`.
        std::string previous;
        for (YAML::Node item : layers) {
            std::string name;
            for (const auto& entry : item) {
                if (entry.first.as<std::string>() != "inputs") name = entry.second["name"].as<std::string>("");
            }
            const YAML::Node inputs = item["inputs"];
            if (inputs && inputs.IsSequence() && inputs.size() == 1 && inputs[0].as<std::string>() == previous) {
                item.remove("inputs");
            }
            previous = name;
        }
        return YAML::Dump(layers);
    } catch (const std::exception&) {
        return layer_list;
    }
}

// Refuses a checkpoint whose model or optimizer is not the experiment's.
void check_same_setup(const checkpoint& saved, const checkpoint& fresh, const std::string& path, const experiment& e)
{
    const std::string* saved_model = find_meta(saved, checkpoint_keys::model_config);
    const std::string* fresh_model = find_meta(fresh, checkpoint_keys::model_config);
    const std::string saved_canonical = saved_model ? canonical_model(*saved_model) : "none";
    const std::string fresh_canonical = fresh_model ? canonical_model(*fresh_model) : "none";
    if (saved_canonical != fresh_canonical) {
        throw config_error(path + ": cannot resume: the model of " + e.file + " differs from the checkpoint's.\n"
                           "expected (checkpoint's model_config):\n" + saved_canonical +
                           "\nfound (the experiment's model):\n" + fresh_canonical +
                           "\nstart afresh with another checkpoint.path, or restore the model section");
    }
    const std::string* saved_opt = find_meta(saved, checkpoint_keys::optimizer_config);
    const std::string* fresh_opt = find_meta(fresh, checkpoint_keys::optimizer_config);
    if (saved_opt == nullptr || fresh_opt == nullptr || optimizer_identity(*saved_opt) != optimizer_identity(*fresh_opt)) {
        throw config_error(path + ": cannot resume: compile.optimizer of " + e.file + " differs from the checkpoint's.\n"
                           "expected (checkpoint's optimizer_config):\n" + (saved_opt ? *saved_opt : "none") +
                           "\nfound (the experiment's optimizer):\n" + (fresh_opt ? *fresh_opt : "none"));
    }
}

}  // namespace

resume_mode parse_resume_mode(const std::string& text)
{
    if (text == "auto" || text == "latest") return resume_mode::latest;
    if (text == "fallback") return resume_mode::fallback;
    if (text == "never") return resume_mode::never;
    throw usage_error("--resume: expected auto (the default), fallback or never, found '" + text + "'");
}

resume_mode resume_mode_for(const experiment& e, std::optional<resume_mode> command_line)
{
    if (command_line) {
        if (*command_line == resume_mode::latest && e.resume_fallback) return resume_mode::fallback;
        return *command_line;
    }
    return e.resume;
}

std::optional<resumed> resume_from_latest(const experiment& e, const checkpoint_manager* files, model& m, optimizer& opt,
                                          callback_set& callbacks, resume_mode mode, std::ostream& out)
{
    if (mode == resume_mode::never) return std::nullopt;
    if (files == nullptr) {
        throw config_error(e.file + ": fit.resume / --resume: expected a checkpoint.path to resume from, found none");
    }
    const std::vector<std::string> candidates = files->saved_checkpoints();  // newest first
    if (candidates.empty()) {
        out << "No checkpoint in " << files->options().directory() << " yet: starting afresh\n";
        return std::nullopt;
    }
    const checkpoint fresh = capture_state(m, &opt);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const std::string& path = candidates[i];
        checkpoint ckpt;
        training_state saved;
        try {
            ckpt = files->load(path);
            const std::string* training_state = find_meta(ckpt, checkpoint_keys::training_state);
            if (training_state == nullptr) {
                throw io_error(path + ": expected training_state metadata to resume from, found none");
            }
            saved = parse_training_state(*training_state, path);
            if (!saved.resumable) {
                throw io_error(path + ": training_state: expected a 'resume' section (written by mlrun's checkpoints "
                                      "since resume exists), found none");
            }
        } catch (const io_error& damaged) {
            if (mode != resume_mode::fallback) {
                throw io_error(std::string(damaged.what()) + "\nthe latest checkpoint cannot be resumed from; " +
                               "--resume=fallback (or fit.resume_fallback: true) goes on from the newest sound one");
            }
            out << "warning: skipping damaged checkpoint " << path << ": " << damaged.what() << "\n";
            continue;
        }
        check_same_setup(ckpt, fresh, path, e);
        restore_state(m, &opt, ckpt, false, path);
        opt.set_learning_rate(saved.learning_rate);
        if (!saved.callbacks.empty()) callbacks.restore(parse_callback_states(saved.callbacks, path), path);
        if (i > 0) out << "warning: resuming from " << path << ", not the latest (" << candidates[0] << ")\n";
        out << "Resuming from " << path << ": epoch " << saved.epoch + 1 << ", " << saved.steps_done
            << " steps into it, step " << opt.iterations() << "\n" << std::flush;
        return resumed{path, saved};
    }
    throw io_error(files->options().directory() + ": every checkpoint its state file names is damaged (see the warnings above)");
}

}  // namespace mlrun
