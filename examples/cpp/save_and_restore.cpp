// TensorFlow's "Save and restore models" tutorial, in C++ with mlrun:
//
//   1. save the weights after every epoch and restore them into a fresh model;
//   2. save every 5 epochs under cp-{epoch:04d}.ckpt, keep 5, load the latest;
//   3. save and load weights by hand;
//   4. save the whole model as .h5, load it back and keep training.
//
// Usage: save_and_restore MNIST_DIR WORK_DIR [quick]
// MNIST_DIR holds the four IDX files; everything is written under WORK_DIR.
// `quick` trains fewer epochs on fewer samples (for tests). The last step
// leaves the final weights at WORK_DIR/final/weights (a TensorFlow
// checkpoint prefix).
#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/keras.hpp"

#include <cstdio>
#include <iostream>
#include <string>

namespace keras = mlrun::keras;

namespace {

struct tutorial_size {
    std::int64_t samples = 1000;   // the first N training and N test images, as the tutorial takes
    int epochs_every_epoch = 10;   // part 1
    int epochs_every_five = 50;    // part 2
    int epochs_whole_model = 5;    // part 4, before and after the reload
};

// A simple Sequential model: the tutorial's create_model().
keras::model create_model()
{
    keras::model m = keras::sequential({keras::dense(512, "relu"), keras::dropout(0.2f), keras::dense(10, "softmax")},
                                       {784});
    m.compile({mlrun::adam_options{}, mlrun::loss_kind::sparse_categorical_crossentropy, {"accuracy"}});
    return m;
}

void report(const char* what, const mlrun::metric_logs& logs)
{
    std::printf("%s, accuracy: %5.2f%%\n", what, 100.0 * logs.get("accuracy").value_or(0.0));
}

mlrun::dataset load_split(const std::string& dir, bool train, std::int64_t take)
{
    mlrun::data_options d;
    d.path = dir;
    d.flatten = true;  // 28x28 -> 784
    return train ? mlrun::load_idx_dataset(d, d.train_images, d.train_labels, take, "mnist train")
                 : mlrun::load_idx_dataset(d, d.test_images, d.test_labels, take, "mnist test");
}

int run(const std::string& data_dir, const std::string& work, const tutorial_size& size)
{
    const mlrun::dataset train = load_split(data_dir, true, size.samples);
    const mlrun::dataset test = load_split(data_dir, false, size.samples);

    keras::model model = create_model();
    model.summary(std::cout);

    // 1. Save checkpoints during training: the weights after every epoch.
    mlrun::checkpoint_options every_epoch;
    every_epoch.path = work + "/training_1/cp.ckpt";
    every_epoch.verbose = 1;
    keras::model_checkpoint cp_callback(every_epoch);
    model.fit(train, keras::fit_arguments{}
                         .with_epochs(size.epochs_every_epoch)
                         .with_validation(test)
                         .with_callback(cp_callback));

    // A fresh model guesses; with the saved weights it knows what the trained one knew.
    keras::model fresh = create_model();
    report("Untrained model", fresh.evaluate(test));
    fresh.load_weights(every_epoch.path);
    report("Restored model", fresh.evaluate(test));

    // 2. A checkpoint every 5 epochs, uniquely named, the last 5 kept.
    mlrun::checkpoint_options every_five;
    every_five.path = work + "/training_2/cp-{epoch:04d}.ckpt";
    every_five.every = mlrun::parse_save_frequency("5 epochs", "every_five");
    every_five.keep_last = 5;
    every_five.verbose = 1;
    keras::model_checkpoint five_callback(every_five);
    keras::model second = create_model();
    second.save_weights(work + "/training_2/cp-0000.ckpt");  // the epoch-0 weights, as the tutorial saves them
    second.fit(train, keras::fit_arguments{}
                          .with_epochs(size.epochs_every_five)
                          .with_validation(test)
                          .with_callback(five_callback)
                          .with_verbose(0));
    const std::optional<std::string> latest = mlrun::latest_checkpoint(work + "/training_2");
    if (!latest) throw mlrun::io_error(work + "/training_2: no checkpoint was saved");
    std::cout << "Latest checkpoint: " << *latest << "\n";
    keras::model from_latest = create_model();
    from_latest.load_weights(*latest);
    report("Restored model", from_latest.evaluate(test));

    // 3. Save the weights by hand, and load them into a new model.
    second.save_weights(work + "/checkpoints/my_checkpoint");
    keras::model by_hand = create_model();
    by_hand.load_weights(work + "/checkpoints/my_checkpoint");
    report("Restored model", by_hand.evaluate(test));

    // 4. The whole model in one HDF5 file: architecture, weights, optimizer.
    keras::model whole = create_model();
    whole.fit(train, keras::fit_arguments{}.with_epochs(size.epochs_whole_model));
    whole.save(work + "/my_model.h5");
    keras::model reloaded = keras::load_model(work + "/my_model.h5");
    reloaded.summary(std::cout);
    report("Restored model", reloaded.evaluate(test));
    // It goes on training where the saved one stopped.
    reloaded.fit(train, keras::fit_arguments{}
                            .with_epochs(2 * size.epochs_whole_model)
                            .with_initial_epoch(reloaded.epochs_done()));
    report("Trained on", reloaded.evaluate(test));
    reloaded.save_weights(work + "/final/weights");
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 3 || argc > 4 || (argc == 4 && std::string(argv[3]) != "quick")) {
        std::cerr << "usage: " << argv[0] << " MNIST_DIR WORK_DIR [quick]\n";
        return 2;
    }
    tutorial_size size;
    if (argc == 4) size = {200, 2, 10, 2};
    try {
        return run(argv[1], argv[2], size);
    } catch (const mlrun::error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return static_cast<int>(e.code());
    }
}
