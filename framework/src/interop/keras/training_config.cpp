#include "interop/keras/training_config.hpp"

#include "interop/keras/format_error.hpp"
#include "interop/keras/metric_config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace mlrun::interop::keras {
namespace {

struct setting_spec {
    const char* mlrun_key;
    std::vector<const char*> keras_keys;  // first present wins ("lr" in Keras <= 2.2)
    bool boolean;
};

struct optimizer_spec {
    const char* keras_class;
    std::vector<setting_spec> settings;
};

const std::vector<optimizer_spec>& optimizers()
{
    static const std::vector<optimizer_spec> table = {
        {"Adam",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"beta_1", {"beta_1"}, false},
          {"beta_2", {"beta_2"}, false},
          {"epsilon", {"epsilon"}, false},
          {"amsgrad", {"amsgrad"}, true}}},
        {"AdamW",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"weight_decay", {"weight_decay"}, false},
          {"beta_1", {"beta_1"}, false},
          {"beta_2", {"beta_2"}, false},
          {"epsilon", {"epsilon"}, false},
          {"amsgrad", {"amsgrad"}, true}}},
        {"SGD",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"momentum", {"momentum"}, false},
          {"nesterov", {"nesterov"}, true}}},
        {"RMSprop",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"rho", {"rho"}, false},
          {"momentum", {"momentum"}, false},
          {"epsilon", {"epsilon"}, false},
          {"centered", {"centered"}, true}}},
        {"Nadam",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"beta_1", {"beta_1"}, false},
          {"beta_2", {"beta_2"}, false},
          {"epsilon", {"epsilon"}, false}}},
        {"Adagrad",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"initial_accumulator_value", {"initial_accumulator_value"}, false},
          {"epsilon", {"epsilon"}, false}}},
        {"Adadelta",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"rho", {"rho"}, false},
          {"epsilon", {"epsilon"}, false}}},
        {"Adamax",
         {{"learning_rate", {"learning_rate", "lr"}, false},
          {"beta_1", {"beta_1"}, false},
          {"beta_2", {"beta_2"}, false},
          {"epsilon", {"epsilon"}, false}}},
    };
    return table;
}

// The options Keras 3 gives every optimizer (mlrun's optimizer_common):
// read from any optimizer's config, written only when on, so that files
// without them look as they always did to older readers.
const std::vector<setting_spec>& common_settings()
{
    static const std::vector<setting_spec> list = {
        {"weight_decay", {"weight_decay"}, false},    {"clipnorm", {"clipnorm"}, false},
        {"clipvalue", {"clipvalue"}, false},          {"global_clipnorm", {"global_clipnorm"}, false},
        {"use_ema", {"use_ema"}, true},               {"ema_momentum", {"ema_momentum"}, false},
        {"ema_overwrite_frequency", {"ema_overwrite_frequency"}, false},
    };
    return list;
}

// The class's own settings, then the common ones it does not list itself
// (AdamW lists weight_decay).
std::vector<setting_spec> all_settings(const optimizer_spec& o)
{
    std::vector<setting_spec> all = o.settings;
    for (const setting_spec& c : common_settings()) {
        const bool listed = std::any_of(all.begin(), all.end(), [&](const setting_spec& s) {
            return std::string(s.mlrun_key) == c.mlrun_key;
        });
        if (!listed) all.push_back(c);
    }
    return all;
}

// Settings that do not change the update: names and execution details.
const std::set<std::string> harmless_keys = {"name", "jit_compile", "is_legacy_optimizer"};

const optimizer_spec* find_optimizer(const std::string& name)
{
    auto lower = [](std::string s) {
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return s;
    };
    for (const optimizer_spec& o : optimizers()) {
        if (lower(name) == lower(o.keras_class)) return &o;
    }
    return nullptr;
}

std::string known_optimizers()
{
    std::string list;
    for (const optimizer_spec& o : optimizers()) list += (list.empty() ? "" : ", ") + std::string(o.keras_class);
    return list;
}

bool is_off(const json& value)
{
    return value.is_null() || (value.is_boolean() && !value.get<bool>()) ||
           (value.is_number() && value.get<double>() == 0.0);
}

std::string snake_case(const std::string& camel)
{
    std::string snake;
    for (std::size_t i = 0; i < camel.size(); ++i) {
        const char c = camel[i];
        // A word starts at a capital after a small letter, or at the last
        // capital of a run that a small letter follows: KLDivergence -> kl_divergence.
        const bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
        const bool after_lower = i > 0 && std::islower(static_cast<unsigned char>(camel[i - 1]));
        const bool ends_run = i > 0 && std::isupper(static_cast<unsigned char>(camel[i - 1])) &&
                              i + 1 < camel.size() && std::islower(static_cast<unsigned char>(camel[i + 1]));
        if (upper && (after_lower || ends_run)) snake += '_';
        snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return snake;
}

void read_optimizer(const json& optimizer, compile_spec& spec, const std::string& where)
{
    const json* cls = member(optimizer, "class_name");
    const json* config = member(optimizer, "config");
    if (cls == nullptr || !cls->is_string() || config == nullptr || !config->is_object()) {
        throw format_error(where + ": expected {\"class_name\": ..., \"config\": {...}}, found " + json_excerpt(optimizer));
    }
    const optimizer_spec* known = find_optimizer(cls->get<std::string>());
    if (known == nullptr) {
        throw format_error(where + ": optimizer '" + cls->get<std::string>() + "' is not one mlrun has (" +
                           known_optimizers() + ")");
    }
    spec.optimizer_class = known->keras_class;
    spec.optimizer_settings = YAML::Node(YAML::NodeType::Map);
    std::set<std::string> used;
    for (const setting_spec& s : all_settings(*known)) {
        for (const char* key : s.keras_keys) {
            const json* value = member(*config, key);
            if (value == nullptr || value->is_null()) continue;
            if (s.boolean ? !value->is_boolean() : !value->is_number()) {
                throw format_error(where + ": " + key + ": expected " + (s.boolean ? "true or false" : "a number") +
                                   ", found " + json_excerpt(*value));
            }
            spec.optimizer_settings[s.mlrun_key] = scalar_text(*value);
            used.insert(key);
            break;
        }
        for (const char* key : s.keras_keys) used.insert(key);
    }
    for (auto it = config->begin(); it != config->end(); ++it) {
        if (used.count(it.key()) != 0 || harmless_keys.count(it.key()) != 0 || is_off(it.value())) continue;
        throw format_error(where + ": " + spec.optimizer_class + " setting '" + it.key() + "' = " +
                           json_excerpt(it.value()) + " has no equivalent in mlrun's optimizer");
    }
}

// A loss as a name, or a Keras loss object whose settings must be the defaults.
std::string read_loss(const json& loss, const std::string& where)
{
    if (loss.is_string()) return loss.get<std::string>();
    const json* cls = member(loss, "class_name");
    if (cls == nullptr || !cls->is_string()) {
        throw format_error(where + ": expected one loss, found " + json_excerpt(loss) +
                           " (mlrun models have one output and one loss)");
    }
    const std::string name = snake_case(cls->get<std::string>());
    if (const json* config = member(loss, "config")) {
        for (const char* key : {"from_logits", "label_smoothing"}) {
            if (const json* v = member(*config, key); v != nullptr && !is_off(*v)) {
                throw format_error(where + ": " + cls->get<std::string>() + " with " + key + " = " + json_excerpt(*v) +
                                   " is not supported by mlrun");
            }
        }
        // Huber's delta and CosineSimilarity's axis, as mlrun's loss text writes them.
        const json* delta = member(*config, "delta");
        if (name == "huber" && delta != nullptr && delta->is_number() && delta->get<double>() != 1.0) {
            return "{huber: {delta: " + scalar_text(*delta) + "}}";
        }
        const json* axis = member(*config, "axis");
        if (name == "cosine_similarity" && axis != nullptr && axis->is_number_integer() && axis->get<int>() != -1) {
            throw format_error(where + ": CosineSimilarity with axis = " + json_excerpt(*axis) +
                               " is not supported by mlrun (only -1)");
        }
    }
    return name;
}

double number_setting(const YAML::Node& settings, const char* key, double fallback)
{
    const YAML::Node value = settings[key];
    if (!value.IsDefined() || value.IsNull()) return fallback;
    return float_for_json(value.as<float>());
}

}  // namespace

std::vector<std::string> compile_spec::slot_names() const
{
    auto flag = [&](const char* key) {
        const YAML::Node v = optimizer_settings[key];
        return v.IsDefined() && !v.IsNull() && v.as<bool>();
    };
    auto positive = [&](const char* key) {
        const YAML::Node v = optimizer_settings[key];
        return v.IsDefined() && !v.IsNull() && v.as<double>() > 0.0;
    };
    if (optimizer_class == "Adam" || optimizer_class == "AdamW") {
        std::vector<std::string> names = {"m", "v"};
        if (flag("amsgrad")) names.emplace_back("vhat");
        return names;
    }
    if (optimizer_class == "SGD") return positive("momentum") ? std::vector<std::string>{"momentum"} : std::vector<std::string>{};
    if (optimizer_class == "RMSprop") {
        std::vector<std::string> names = {"rms"};
        if (positive("momentum")) names.emplace_back("momentum");
        if (flag("centered")) names.emplace_back("mg");
        return names;
    }
    // Keras 3's variable names; Nadam's u_product follows from the iteration count.
    if (optimizer_class == "Nadam") return {"momentum", "velocity"};
    if (optimizer_class == "Adagrad") return {"accumulator"};
    if (optimizer_class == "Adadelta") return {"accumulated_grad", "accumulated_delta_var"};
    if (optimizer_class == "Adamax") return {"momentum", "norm"};
    return {};
}

compile_spec compile_from_keras(const json& config, const char* optimizer_key, const std::string& where)
{
    if (!config.is_object()) throw format_error(where + ": expected an object, found " + json_excerpt(config));
    compile_spec spec;
    if (const json* optimizer = member(config, optimizer_key); optimizer != nullptr && !optimizer->is_null()) {
        read_optimizer(*optimizer, spec, where + ": " + optimizer_key);
    }
    if (const json* loss = member(config, "loss"); loss != nullptr && !loss->is_null()) {
        spec.loss = read_loss(*loss, where + ": loss");
    }
    if (const json* metrics = member(config, "metrics")) metrics_from_keras(*metrics, spec.metrics, where + ": metrics");
    if (const json* weighted = member(config, "weighted_metrics")) {
        metrics_from_keras(*weighted, spec.weighted_metrics, where + ": weighted_metrics");
    }
    if (const json* weights = member(config, "loss_weights"); weights != nullptr && !weights->is_null()) {
        throw format_error(where + ": loss_weights " + json_excerpt(*weights) + " are not supported by mlrun");
    }
    if (const json* extras = member(config, "mlrun"); extras != nullptr && extras->is_object()) {
        if (const json* state = member(*extras, "training_state"); state != nullptr && state->is_object()) {
            spec.training_state = YAML::Dump(yaml_from_json(*state));
        }
        if (const json* v = member(*extras, "version"); v != nullptr && v->is_string()) spec.mlrun_version = v->get<std::string>();
        if (const json* sums = member(*extras, "tensor_crc32c"); sums != nullptr && sums->is_object()) {
            spec.tensor_crc32c = YAML::Dump(yaml_from_json(*sums));
        }
        if (const json* b = member(*extras, "backend"); b != nullptr && b->is_string()) spec.backend = b->get<std::string>();
        if (const json* e = member(*extras, "experiment"); e != nullptr && e->is_string()) spec.experiment = e->get<std::string>();
    }
    return spec;
}

compile_spec compile_from_metadata(const staged_checkpoint& ckpt)
{
    compile_spec spec;
    try {
        if (const std::string* text = ckpt.meta("optimizer_config")) {
            const YAML::Node node = YAML::Load(*text);
            const std::string name = node["name"].as<std::string>();
            const optimizer_spec* known = find_optimizer(name);
            if (known == nullptr) {
                throw format_error("metadata optimizer_config: optimizer '" + name + "' has no Keras translation (" +
                                   known_optimizers() + ")");
            }
            spec.optimizer_class = known->keras_class;
            spec.optimizer_settings = node["config"].IsMap() ? node["config"] : YAML::Node(YAML::NodeType::Map);
        }
        for (const auto& [key, items] : {std::pair{"metrics", &spec.metrics}, std::pair{"weighted_metrics", &spec.weighted_metrics}}) {
            const std::string* text = ckpt.meta(key);
            if (text == nullptr) continue;
            const YAML::Node node = YAML::Load(*text);
            // Each a name, or a mapping of one name to its settings ({auc: {curve: PR}}).
            if (node.IsSequence()) {
                for (const YAML::Node& item : node) items->push_back(item);
            }
        }
    } catch (const YAML::Exception& e) {
        throw format_error("metadata optimizer_config, metrics or weighted_metrics: unreadable YAML: " + e.msg);
    }
    if (const std::string* loss = ckpt.meta("loss")) spec.loss = *loss;
    if (const std::string* state = ckpt.meta("training_state")) spec.training_state = *state;
    if (const std::string* version = ckpt.meta("mlrun_version")) spec.mlrun_version = *version;
    if (const std::string* sums = ckpt.meta("tensor_crc32c")) spec.tensor_crc32c = *sums;
    if (const std::string* backend = ckpt.meta("backend")) spec.backend = *backend;
    if (const std::string* experiment = ckpt.meta("experiment")) spec.experiment = *experiment;
    return spec;
}

json keras_training_config(const compile_spec& spec)
{
    const optimizer_spec* known = find_optimizer(spec.optimizer_class);
    if (known == nullptr) {
        throw format_error("training_config: optimizer '" + spec.optimizer_class +
                           "' has no Keras form (expected one of compile.optimizer's names)");
    }
    json optimizer_config = {{"name", spec.optimizer_class}};
    for (const setting_spec& s : known->settings) {
        if (s.boolean) {
            const YAML::Node v = spec.optimizer_settings[s.mlrun_key];
            optimizer_config[s.mlrun_key] = v.IsDefined() && !v.IsNull() && v.as<bool>();
        } else {
            optimizer_config[s.mlrun_key] = number_setting(spec.optimizer_settings, s.mlrun_key, 0.0);
        }
        if (std::string(s.mlrun_key) == "learning_rate") optimizer_config["decay"] = 0.0;
    }
    const YAML::Node ema = spec.optimizer_settings["use_ema"];
    const bool use_ema = ema.IsDefined() && !ema.IsNull() && ema.as<bool>();
    for (const setting_spec& s : common_settings()) {
        if (optimizer_config.contains(s.mlrun_key)) continue;
        const std::string key = s.mlrun_key;
        if (s.boolean) {
            if (use_ema) optimizer_config[key] = true;
        } else if (key == "ema_momentum" || key == "ema_overwrite_frequency") {
            if (!use_ema) continue;
            const double v = number_setting(spec.optimizer_settings, s.mlrun_key, key == "ema_momentum" ? 0.99 : 0.0);
            if (key == "ema_overwrite_frequency") {
                // Keras: None is never; mlrun: 0.
                optimizer_config[key] = v > 0.0 ? json(static_cast<std::int64_t>(v)) : json();
            } else {
                optimizer_config[key] = v;
            }
        } else if (const double v = number_setting(spec.optimizer_settings, s.mlrun_key, 0.0); v != 0.0) {
            optimizer_config[key] = v;
        }
    }
    json config = {{"loss", spec.loss.empty() ? json() : json(spec.loss)},
                   {"metrics", keras_metrics(spec.metrics, false)},
                   {"weighted_metrics", keras_weighted_metrics(spec.weighted_metrics, false)},
                   {"loss_weights", nullptr},
                   {"optimizer_config", {{"class_name", spec.optimizer_class}, {"config", optimizer_config}}}};
    json extras = json::object();
    if (!spec.mlrun_version.empty()) extras["version"] = spec.mlrun_version;
    if (!spec.backend.empty()) extras["backend"] = spec.backend;
    if (!spec.experiment.empty()) extras["experiment"] = spec.experiment;
    if (!spec.training_state.empty()) {
        try {
            extras["training_state"] = json_from_yaml(YAML::Load(spec.training_state));
        } catch (const YAML::Exception& e) {
            throw format_error("metadata training_state: unreadable YAML: " + e.msg);
        }
    }
    if (!spec.tensor_crc32c.empty()) {
        try {
            extras["tensor_crc32c"] = json_from_yaml(YAML::Load(spec.tensor_crc32c));
        } catch (const YAML::Exception& e) {
            throw format_error("metadata tensor_crc32c: unreadable YAML: " + e.msg);
        }
    }
    if (!extras.empty()) config["mlrun"] = extras;
    return config;
}

void put_compile_metadata(const compile_spec& spec, staged_checkpoint& out)
{
    if (!spec.optimizer_class.empty()) {
        YAML::Node optimizer;
        optimizer["name"] = spec.optimizer_class;
        optimizer["config"] = spec.optimizer_settings;
        out.set_meta("optimizer_config", YAML::Dump(optimizer));
    }
    if (!spec.loss.empty()) out.set_meta("loss", spec.loss);
    for (const auto& [key, items] : {std::pair{"metrics", &spec.metrics}, std::pair{"weighted_metrics", &spec.weighted_metrics}}) {
        if (items->empty()) continue;
        YAML::Node list(YAML::NodeType::Sequence);
        for (const YAML::Node& m : *items) list.push_back(m);
        out.set_meta(key, YAML::Dump(list));
    }
    if (!spec.training_state.empty()) out.set_meta("training_state", spec.training_state);
    if (!spec.mlrun_version.empty()) out.set_meta("mlrun_version", spec.mlrun_version);
    if (!spec.tensor_crc32c.empty()) out.set_meta("tensor_crc32c", spec.tensor_crc32c);
    if (!spec.backend.empty()) out.set_meta("backend", spec.backend);
    if (!spec.experiment.empty()) out.set_meta("experiment", spec.experiment);
}

}  // namespace mlrun::interop::keras
