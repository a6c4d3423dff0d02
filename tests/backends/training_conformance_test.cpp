// A short real training run on each accelerated backend reaches the
// reference's accuracy: the tutorial MLP on the first 2,000 Fashion-MNIST
// training images for 3 epochs, evaluated on the first 1,000 test images.
#include "backend_test_support.hpp"

#include "mlrun/data/dataset.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

// Debian's dataset-fashion-mnist (scripts/install_deps.sh installs it);
// load_idx_dataset fails with the file's name when it is missing.
const char* const fashion_mnist = "/usr/share/datasets/fashion-mnist";

struct fashion_subset {
    dataset train, test;
    fashion_subset()
    {
        data_options options;
        options.kind = "fashion_mnist";
        options.path = fashion_mnist;
        options.scale = 255.0f;
        options.flatten = true;
        train = load_idx_dataset(options, options.train_images, options.train_labels, 2000, "fashion_mnist train");
        test = load_idx_dataset(options, options.test_images, options.test_labels, 1000, "fashion_mnist test");
    }
};

const fashion_subset& data()
{
    static const fashion_subset subset;
    return subset;
}

double trained_accuracy(backend& be)
{
    const std::unique_ptr<model> m = tutorial_model(42);
    const std::unique_ptr<trainer> t = tutorial_trainer(*m, be);
    fit_options options;
    options.epochs = 3;
    options.batch_size = 32;
    options.seed = 42;
    t->fit(data().train, options, {});
    return *t->evaluate(data().test, 32).get("accuracy");
}

double reference_accuracy()
{
    static const double accuracy = [] {
        backend reference;
        return trained_accuracy(reference);
    }();
    return accuracy;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(training)

BOOST_AUTO_TEST_CASE(reference_learns)
{
    // Ten classes: chance is 0.10. The reference reaches 0.765 here, so
    // a band around it tells a working backend from a broken one.
    BOOST_TEST(reference_accuracy() > 0.70);
}

// Same seed, data order and dropout masks: the runs differ only by gemm
// rounding (within 2 gamma(k + 2) per product, see conformance_support.hpp),
// which over 189 steps flips a few borderline test images. 0.02 is 20 of
// the 1,000; a wrong kernel costs far more (or leaves the model at chance).
BOOST_DATA_TEST_CASE(training_reaches_reference_accuracy, bdata::make(accelerated_backends()), choice)
{
    const std::unique_ptr<backend> be = make_backend(choice);
    const double accuracy = trained_accuracy(*be);
    BOOST_TEST_MESSAGE(choice << ": accuracy " << accuracy << ", reference " << reference_accuracy());
    BOOST_TEST(std::fabs(accuracy - reference_accuracy()) <= 0.02);
}

BOOST_AUTO_TEST_SUITE_END()
