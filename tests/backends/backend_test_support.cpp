#include "backend_test_support.hpp"

#include "mlrun/core/rng.hpp"
#include "mlrun/losses/loss.hpp"
#include "mlrun/metrics/metric.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <stdexcept>

namespace mlrun::test {

std::ostream& operator<<(std::ostream& out, const backend_choice& choice)
{
    return out << choice.name << "/" << choice.threads << (choice.threads == 1 ? " thread" : " threads");
}

std::vector<backend_choice> accelerated_backends()
{
    return {{"openblas", 1}, {"openblas", 2}, {"onednn", 1}, {"onednn", 2}};
}

const plugin_registry& build_tree_plugins()
{
    static const plugin_registry registry = [] {
        const char* build = std::getenv("MLRUN_BINARY_DIR");
        if (build == nullptr || *build == '\0') {
            throw std::runtime_error("MLRUN_BINARY_DIR is not set: run the backend tests through ctest, or set it "
                                     "to the build directory holding lib/mlrun/plugins");
        }
        return plugin_registry({boost::filesystem::path(build) / "lib" / "mlrun" / "plugins"});
    }();
    return registry;
}

std::unique_ptr<backend> make_backend(const backend_choice& choice)
{
    const plugin_record& plugin = build_tree_plugins().find(MLRUN_PLUGIN_BACKEND, choice.name);
    return std::make_unique<backend>(plugin, std::vector<std::pair<std::string, std::string>>{
                                                 {"threads", std::to_string(choice.threads)}});
}

std::unique_ptr<model> tutorial_model(std::uint64_t seed, dtype_policy policy)
{
    const YAML::Node layers = YAML::Load(
        "- Dense: {units: 512, activation: relu, input_shape: [784]}\n"
        "- Dropout: {rate: 0.2}\n"
        "- Dense: {units: 10, activation: softmax}\n");
    std::unique_ptr<model> m = build_model(layers, "tutorial model", std::nullopt, policy);
    rng init(seed);
    m->build(init);
    return m;
}

std::unique_ptr<model> convnet_model(std::uint64_t seed, dtype_policy policy)
{
    const YAML::Node layers = YAML::Load(
        "- Conv2D: {filters: 32, kernel_size: 3, activation: relu, input_shape: [28, 28, 1]}\n"
        "- MaxPooling2D: {pool_size: 2}\n"
        "- Conv2D: {filters: 64, kernel_size: 3, activation: relu}\n"
        "- MaxPooling2D: {pool_size: 2}\n"
        "- Flatten: {}\n"
        "- Dropout: {rate: 0.5}\n"
        "- Dense: {units: 10, activation: softmax}\n");
    std::unique_ptr<model> m = build_model(layers, "convnet model", std::nullopt, policy);
    rng init(seed);
    m->build(init);
    return m;
}

std::unique_ptr<trainer> tutorial_trainer(model& m, backend& be)
{
    const loss_kind loss = loss_kind::sparse_categorical_crossentropy;
    std::vector<metric> metrics;
    metrics.emplace_back("accuracy", loss, 10);
    return std::make_unique<trainer>(m, be, loss_function(loss), make_optimizer(YAML::Load("adam"), "test"),
                                     std::move(metrics));
}

}  // namespace mlrun::test
