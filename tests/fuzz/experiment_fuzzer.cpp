// Fuzzes the experiment file: the input is one YAML file, taken through
// what `mlrun CONFIG` does before it reads data or trains -- composition
// (`extends`), schema validation, the typed experiment, the model graph
// from the layer list, the optimizer, loss, metrics and callbacks. Weights
// are not allocated (model::build): their size is the user's to choose.
//
// The repository's configs/*.yaml sit next to the input, so an `extends`
// naming one of them composes as it does in configs/.
#include "expected_errors.hpp"
#include "scratch_dir.hpp"

#include "callbacks/callbacks_yaml.hpp"
#include "experiment/experiment.hpp"
#include "mlrun/losses/loss.hpp"
#include "mlrun/metrics/metric.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"

#include <filesystem>

namespace {

void copy_repository_configs()
{
    namespace fs = std::filesystem;
    for (const fs::directory_entry& entry : fs::directory_iterator(MLRUN_FUZZ_CONFIGS_DIR)) {
        if (entry.path().extension() == ".yaml") {
            fs::copy_file(entry.path(), mlrun::fuzz::scratch().path(entry.path().filename().string()),
                          fs::copy_options::overwrite_existing);
        }
    }
}

// What the session does with the experiment before loading data (MNIST's
// sample shape stands in for the data's).
void check_experiment(const std::string& path)
{
    const mlrun::experiment e = mlrun::load_experiment(path, {});
    const mlrun::shape sample = e.data.flatten ? mlrun::shape({784}) : mlrun::shape({28, 28});
    const auto net = mlrun::build_model(e.model, e.source.file_for("model"), sample, e.policy);
    const mlrun::loss_kind loss = e.loss.kind;
    for (const mlrun::metric_spec& spec : e.metrics) mlrun::metric(spec, loss, 10);
    mlrun::make_optimizer(e.optimizer);
    mlrun::make_experiment_callbacks(e, 100);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    static const bool configs_copied = (copy_repository_configs(), true);
    (void)configs_copied;
    const std::string path = scratch().write("experiment.yaml", data, size);
    expect_clear_errors([&] { check_experiment(path); });
    return 0;
}
