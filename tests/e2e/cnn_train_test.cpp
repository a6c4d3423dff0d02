// The shipped convnet experiment (configs/mnist_cnn.yaml) learns, in a
// short version of its run: 640 digits, one epoch, on the reference
// backend (every backend gives the same numbers; the full run and its
// accuracy are in configs/README.md).
#define BOOST_TEST_MODULE cnn_train
#include <boost/test/unit_test.hpp>

#include "train/session.hpp"
#include "support/test_models.hpp"

#include <sstream>

using namespace mlrun;

// Untrained, 10 classes score near chance (0.1); this short run reaches
// about 0.75 here, so 0.5 leaves room while a convolution or pooling
// gradient that is wrong stays near chance.
BOOST_AUTO_TEST_CASE(the_mnist_convnet_learns_in_one_short_epoch)
{
    session s({testing::source_dir() + "/configs/mnist_cnn.yaml",
               {"backend=reference", "data.path=" + testing::source_dir() + "/data/mnist", "data.train.take=640",
                "data.test.take=500", "fit.epochs=1", "fit.batch_size=32", "fit.verbose=0"},
               {},
               true});
    const metric_logs before = s.fitter().evaluate(s.test_data(), 100);
    std::ostringstream quiet;
    s.fit(quiet, {});
    const metric_logs after = s.fitter().evaluate(s.test_data(), 100);
    BOOST_TEST(*before.get("accuracy") < 0.3);
    BOOST_TEST(*after.get("accuracy") > 0.5);
    BOOST_TEST(*after.get("loss") < *before.get("loss"));
}
