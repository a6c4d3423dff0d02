// What the backend tests share: the plugins of the build tree, the backends
// under test, and the tutorial model with a trainer around it.
#pragma once

#include "mlrun/backend/backend.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/layers/dtype_policy.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/plugin/plugin_registry.hpp"
#include "mlrun/train/trainer.hpp"

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace mlrun::test {

// A backend plugin and the thread count to create it with.
struct backend_choice {
    std::string name;
    int threads;
};
std::ostream& operator<<(std::ostream& out, const backend_choice& choice);

// The accelerated backends, each with one thread and with two (a split
// across threads must not change any result beyond the stated tolerance).
std::vector<backend_choice> accelerated_backends();

// The registry of $MLRUN_BINARY_DIR/lib/mlrun/plugins, loaded once. Throws
// std::runtime_error when MLRUN_BINARY_DIR is unset (ctest sets it).
const plugin_registry& build_tree_plugins();
std::unique_ptr<backend> make_backend(const backend_choice& choice);

// The tutorial's model: Dense 512 relu, Dropout 0.2, Dense 10 softmax on
// 784 inputs, initialised from `seed`, its layers under `policy`.
std::unique_ptr<model> tutorial_model(std::uint64_t seed, dtype_policy policy = dtype_policy::float32);
// A trainer for it: Adam (Keras defaults), sparse categorical
// cross-entropy, accuracy.
std::unique_ptr<trainer> tutorial_trainer(model& m, backend& be);

// The convnet of configs/fashion_cnn.yaml: Conv2D 32 3x3 relu, MaxPooling2D
// 2, Conv2D 64 3x3 relu, MaxPooling2D 2, Flatten, Dropout 0.5, Dense 10
// softmax on [28, 28, 1] images, initialised from `seed`, its layers under
// `policy`. It takes tutorial_trainer too (ten classes).
std::unique_ptr<model> convnet_model(std::uint64_t seed, dtype_policy policy = dtype_policy::float32);

}  // namespace mlrun::test
