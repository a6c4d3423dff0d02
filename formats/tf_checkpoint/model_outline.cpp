#include "model_outline.hpp"

#include "config/bounded_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace mlrun::tf {
namespace {

// The hyperparameters legacy tf.keras optimizers keep as variables, in the
// order they are created (sorted by name); decay is always 0 in mlrun.
std::vector<std::string> hyperparameter_names(const std::string& optimizer_class)
{
    if (optimizer_class == "Adam") return {"beta_1", "beta_2", "decay", "learning_rate"};
    if (optimizer_class == "SGD") return {"decay", "learning_rate", "momentum"};
    if (optimizer_class == "RMSprop") return {"decay", "learning_rate", "momentum", "rho"};
    return {};
}

}  // namespace

model_outline read_model_outline(const std::string& model_config, const std::string& optimizer_config)
{
    model_outline outline;
    try {
        if (!model_config.empty()) {
            const YAML::Node layers = mlrun::load_bounded_yaml(model_config);
            if (!layers.IsSequence()) throw std::runtime_error("it is not a list of layers");
            bool graph = false;
            for (const YAML::Node& item : layers) graph = graph || (item.IsMap() && item["inputs"]);
            for (const YAML::Node& item : layers) {
                if (!item.IsMap()) throw std::runtime_error("a layer is not a mapping");
                for (const auto& kv : item) {
                    const std::string class_name = kv.first.as<std::string>();
                    if (class_name == "inputs") continue;
                    if (class_name == "Input" && !graph) continue;
                    if (!kv.second.IsMap() || !kv.second["name"]) throw std::runtime_error(class_name + " has no name");
                    outline.layers.push_back(kv.second["name"].as<std::string>());
                }
            }
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("metadata 'model_config' cannot be read: ") + e.what());
    }
    try {
        if (!optimizer_config.empty()) {
            const YAML::Node optimizer = mlrun::load_bounded_yaml(optimizer_config);
            outline.optimizer_class = optimizer["name"].as<std::string>("");
            const YAML::Node config = optimizer["config"];
            for (const std::string& name : hyperparameter_names(outline.optimizer_class)) {
                if (name == "decay") outline.hyperparameters.emplace_back(name, 0.0f);
                else if (config && config[name]) outline.hyperparameters.emplace_back(name, config[name].as<float>());
            }
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("metadata 'optimizer_config' cannot be read: ") + e.what());
    }
    return outline;
}

}  // namespace mlrun::tf
