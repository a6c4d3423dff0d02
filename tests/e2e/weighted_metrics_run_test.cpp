// compile.weighted_metrics on real MNIST digits (data/mnist) with sample
// weights for training and validation: logged under Keras 3's names in
// the progress line, history and CSV, watched by early stopping and a
// best checkpoint, kept in .h5 and .keras files, and refused with the
// position of a bad name.
#define BOOST_TEST_MODULE weighted_metrics_run
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/keras/model.hpp"
#include "train/session.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

using namespace mlrun;

namespace {

// Every third sample of each split weighs 0, so the weighted values differ.
std::string weights_text(int samples)
{
    std::string text;
    for (int i = 0; i < samples; ++i) text += i % 3 == 0 ? "0\n" : i % 3 == 1 ? "1\n" : "2.5\n";
    return text;
}

std::string experiment_text(testing::temp_directory& dir, const std::string& weighted, const std::string& extra)
{
    const std::string train_weights = dir.write("train_w.csv", weights_text(300));
    const std::string test_weights = dir.write("test_w.csv", weights_text(90));
    return "seed: 5\n"
           "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 300, sample_weight: " +
           train_weights + "}, test: {take: 90, sample_weight: " + test_weights + "}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 16, activation: relu, input_shape: [784]}\n"
           "  - Dense: {units: 10, activation: softmax}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy],\n"
           "          weighted_metrics: " + weighted + "}\n"
           "fit: {epochs: 3, batch_size: 32, verbose: 2, validation: test}\n" + extra;
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(weighted_metrics_are_logged_monitored_and_saved)
{
    testing::temp_directory dir;
    const std::string run = dir.path.string();
    const std::string extra = "checkpoint: {path: " + run + "/best.h5, save_weights_only: false, save_best_only: true, monitor: val_weighted_accuracy}\n"
                              "callbacks:\n"
                              "  csv_logger: {path: " + run + "/log.csv}\n"
                              "  early_stopping: {monitor: val_weighted_accuracy, patience: 5}\n";
    session s({dir.write("exp.yaml", experiment_text(dir, "[accuracy, {sparse_top_k_categorical_accuracy: {k: 2}}]", extra)), {}, {}, true});
    std::ostringstream out;
    const history h = s.fit(out, {});
    BOOST_TEST_REQUIRE(h.epochs.size() == 3u);
    // accuracy is taken by compile.metrics, so its weighted twin is weighted_accuracy; top-k keeps its name.
    for (const char* name : {"accuracy", "weighted_accuracy", "sparse_top_k_categorical_accuracy", "val_accuracy",
                             "val_weighted_accuracy", "val_sparse_top_k_categorical_accuracy"}) {
        BOOST_TEST(h.epochs.back().get(name).has_value(), name);
    }
    // A third of the samples weigh nothing: the weighted accuracy is another number.
    const double plain = *h.epochs.back().get("accuracy"), weighted = *h.epochs.back().get("weighted_accuracy");
    BOOST_TEST(std::fabs(plain - weighted) > 1e-6);
    BOOST_TEST(contains(out.str(), "weighted_accuracy: "), out.str());
    BOOST_TEST(contains(out.str(), "val_weighted_accuracy: "), out.str());
    const std::string csv = read_file(run + "/log.csv");
    BOOST_TEST(contains(csv.substr(0, csv.find('\n')), "weighted_accuracy"), csv);
    BOOST_TEST(contains(csv.substr(0, csv.find('\n')), "val_weighted_accuracy"), csv);

    // The best checkpoint keeps both lists; loaded, it evaluates the
    // weighted metric with the data's weights as the trained model did.
    keras::model loaded = keras::load_model(run + "/best.h5");
    const metric_logs evaluated = loaded.evaluate(s.test_data());
    BOOST_TEST_REQUIRE(evaluated.get("weighted_accuracy").has_value());
    BOOST_TEST(evaluated.get("sparse_top_k_categorical_accuracy").has_value());
    BOOST_TEST(*evaluated.get("weighted_accuracy") != *evaluated.get("accuracy"));

    // Saved as .keras and .h5 from the C++ API and loaded back: the same values.
    for (const std::string file : {"/again.keras", "/again.h5"}) {
        loaded.save(run + file);
        keras::model again = keras::load_model(run + file);
        const metric_logs same = again.evaluate(s.test_data());
        BOOST_TEST(*same.get("weighted_accuracy") == *evaluated.get("weighted_accuracy"), file);
        BOOST_TEST(*same.get("sparse_top_k_categorical_accuracy") == *evaluated.get("sparse_top_k_categorical_accuracy"),
                   file);
    }
}

BOOST_AUTO_TEST_CASE(a_bad_weighted_metric_name_is_refused_with_its_position)
{
    testing::temp_directory dir;
    try {
        session s({dir.write("exp.yaml", experiment_text(dir, "[accuracy, precission]", "")), {}, {}, true});
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        const std::string what = e.what();
        BOOST_TEST(contains(what, "exp.yaml:7:40: "), what);
        BOOST_TEST(contains(what, "compile.weighted_metrics: unknown metric 'precission'"), what);
        BOOST_TEST(contains(what, "did you mean 'precision'"), what);
    }
}
