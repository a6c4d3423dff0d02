// In-memory data sets: inputs and targets of the same length.
#pragma once

#include "mlrun/core/tensor.hpp"

#include <string>

namespace mlrun {

struct dataset {
    std::string name;  // for messages, e.g. "mnist train"
    tensor x;          // [samples, ...] float32
    tensor y;          // [samples] int32 class labels, or [samples, ...] float32
    // [samples] float32, each sample's weight in the loss; empty (rank 0): all 1.
    tensor sample_weight;
    bool has_sample_weight() const { return sample_weight.dims().rank() > 0; }
    std::int64_t size() const { return x.dims().rank() == 0 ? 0 : x.dims()[0]; }
};

// Where the images and labels of one data set live, and how to read them.
struct data_options {
    std::string kind = "mnist";  // mnist | fashion_mnist | idx
    std::string path;            // directory of the four IDX files
    std::string train_images = "train-images-idx3-ubyte.gz";
    std::string train_labels = "train-labels-idx1-ubyte.gz";
    std::string test_images = "t10k-images-idx3-ubyte.gz";
    std::string test_labels = "t10k-labels-idx1-ubyte.gz";
    std::string train_sample_weight;  // .npy or .csv of one weight per sample; empty: none
    std::string test_sample_weight;
    std::int64_t train_take = 0;  // first N samples; 0 = all
    std::int64_t test_take = 0;
    float scale = 255.0f;         // pixels are divided by this
    bool flatten = false;         // [N, 28, 28] -> [N, 784]
};

// Reads images and labels from IDX files (raw or gzip). A file name that
// does not exist is also tried with ".gz" added or removed, so the original
// uncompressed MNIST files work as they are. Throws data_error naming the
// file when something is missing, malformed or inconsistent.
dataset load_idx_dataset(const data_options& options, const std::string& images, const std::string& labels,
                         std::int64_t take, const std::string& name);

// Reads `path` (.npy or .csv, one weight per sample: shape [N] or [N, 1])
// into data.sample_weight, its first data.size() rows. Throws data_error
// naming the file when it holds fewer weights than samples, or a weight
// that is negative or not finite.
void load_sample_weights(dataset& data, const std::string& path);

// Keras's image layout (NHWC): grey images [N, 28, 28] taken by a model
// whose input is [28, 28, 1] get that channels axis, as Keras users write
// x[..., np.newaxis]. Returns whether the samples were reshaped; any other
// mismatch is left for the caller to report.
bool add_channel_axis(dataset& data, const shape& model_input);

}  // namespace mlrun
