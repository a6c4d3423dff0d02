// End to end on real MNIST digits (data/mnist, made by
// scripts/prepare_data.sh): training improves accuracy, and runs are
// reproducible bit for bit.
#define BOOST_TEST_MODULE train
#include <boost/test/unit_test.hpp>

#include "mlrun/checkpoint/model_state.hpp"
#include "train/session.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cstring>
#include <sstream>

using namespace mlrun;

namespace {

std::string experiment_text(int epochs, std::uint64_t seed)
{
    return "seed: " + std::to_string(seed) + "\n" +
           "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 500}, "
           "test: {take: 500}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 64, activation: relu, input_shape: [784]}\n"
           "  - Dropout: {rate: 0.2}\n"
           "  - Dense: {units: 10, activation: softmax}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: " + std::to_string(epochs) + ", batch_size: 32, verbose: 0}\n";
}

struct trained {
    metric_logs before;
    metric_logs after;
    checkpoint weights;
};

trained train(int epochs, std::uint64_t seed)
{
    testing::temp_directory dir;
    session s({dir.write("exp.yaml", experiment_text(epochs, seed)), {}, {}, true});
    trained result;
    result.before = s.fitter().evaluate(s.test_data(), 32);
    std::ostringstream quiet;
    s.fit(quiet, {});
    result.after = s.fitter().evaluate(s.test_data(), 32);
    result.weights = capture_state(s.net(), &s.fitter().get_optimizer());
    return result;
}

bool identical(const checkpoint& a, const checkpoint& b)
{
    if (a.tensors.size() != b.tensors.size()) return false;
    for (std::size_t i = 0; i < a.tensors.size(); ++i) {
        const tensor& x = a.tensors[i].second;
        const tensor& y = b.tensors[i].second;
        if (a.tensors[i].first != b.tensors[i].first || x.byte_size() != y.byte_size() ||
            std::memcmp(x.bytes(), y.bytes(), x.byte_size()) != 0) {
            return false;
        }
    }
    return true;
}

}  // namespace

// An untrained 10-class model scores near chance (0.1); three epochs on 500
// digits reach about 0.85 here, so 0.7 leaves room for any seed while a
// training loop that does not learn stays far below it.
BOOST_AUTO_TEST_CASE(training_raises_accuracy_past_a_threshold)
{
    const trained t = train(3, 42);
    BOOST_TEST(*t.before.get("accuracy") < 0.3);
    BOOST_TEST(*t.after.get("accuracy") > 0.7);
    BOOST_TEST(*t.after.get("loss") < *t.before.get("loss"));
}

BOOST_AUTO_TEST_CASE(same_seed_same_backend_gives_identical_weights)
{
    const trained a = train(2, 7);
    const trained b = train(2, 7);
    BOOST_TEST(identical(a.weights, b.weights));
    BOOST_TEST(*a.after.get("loss") == *b.after.get("loss"));
    const trained c = train(2, 8);
    BOOST_TEST(!identical(a.weights, c.weights));
}
