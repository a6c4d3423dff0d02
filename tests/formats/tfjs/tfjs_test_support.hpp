// Shared by the TF.js format tests: a small trained model saved as .h5
// and exported to a TF.js directory, and the MNIST digits to run it on.
#pragma once

#include "support/mlrun_process.hpp"
#include "support/temp_files.hpp"

#include "mlrun/data/array_io.hpp"
#include "mlrun/data/dataset.hpp"

#include <string>

namespace mlrun::testing {

// The tutorial's model (configs/mnist.yaml) trained for one epoch on 500
// digits and saved to DIR/model.h5; returns its path.
inline std::string train_tutorial_model(const temp_directory& dir, const std::string& extra_overrides = "")
{
    const std::string h5 = (dir.path / "model.h5").string();
    const auto trained = run_mlrun("configs/mnist.yaml fit.epochs=1 data.train.take=500 data.test.take=100 "
                                   "checkpoint.path= fit.verbose=0 save.path='" + h5 + "' " + extra_overrides);
    BOOST_TEST_REQUIRE(trained.exit_code == 0, trained.output);
    return h5;
}

// The first `count` MNIST test digits as DIR/x.npy (pixels in [0, 1],
// flattened) and their labels as float32 DIR/labels.npy.
inline void write_test_digits(const temp_directory& dir, std::int64_t count)
{
    data_options d;
    d.path = source_dir() + "/data/mnist";
    d.flatten = true;
    const dataset test = load_idx_dataset(d, d.test_images, d.test_labels, count, "mnist test");
    write_array((dir.path / "x.npy").string(), test.x);
    tensor labels(shape({count}));
    for (std::int64_t i = 0; i < count; ++i) labels.f32()[i] = static_cast<float>(test.y.data<std::int32_t>()[i]);
    write_array((dir.path / "labels.npy").string(), labels);
}

}  // namespace mlrun::testing
