// Every model mlrun can build survives the YAML format whole: built with
// every built-in layer class, saved with its optimizer state, loaded back
// into a fresh model that predicts bit for bit the same.
#include <boost/test/unit_test.hpp>

#include "support/test_models.hpp"

#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/model/saved_model.hpp"
#include "mlrun/optim/optimizers.hpp"

#include <cstdio>
#include <cstring>
#include <set>
#include <unistd.h>

using namespace mlrun;

namespace {

// A graph using every built-in layer class once or more.
const char* const every_class = R"(
- Input: {shape: [4, 3], name: x}
- Flatten: {name: flat}
- Dense: {units: 6, activation: tanh, name: a}
- BatchNormalization: {name: bn, momentum: 0.9, epsilon: 0.01}
- Dropout: {rate: 0.25, name: drop}
- {Dense: {units: 6, use_bias: false, kernel_initializer: he_normal, name: b}, inputs: [flat]}
- Activation: {activation: relu, name: act}
- {Add: {name: sum}, inputs: [drop, act]}
- {Concatenate: {name: cat}, inputs: [sum, a]}
- Dense: {units: 3, activation: softmax, name: out}
)";

// Every convolutional, pooling and normalization class, on images and sequences.
const char* const every_image_class = R"(
- Input: {shape: [8, 8, 2], name: image}
- Conv2D: {filters: 4, kernel_size: 3, strides: 2, padding: same, activation: relu, name: c1}
- {Conv2D: {filters: 4, kernel_size: [2, 1], groups: 2, use_bias: false, name: grouped}, inputs: [image]}
- MaxPooling2D: {pool_size: 2, padding: same, name: mp}
- {Add: {name: joined}, inputs: [c1, mp]}
- DepthwiseConv2D: {kernel_size: 2, depth_multiplier: 2, padding: same, name: dw}
- SeparableConv2D: {filters: 3, kernel_size: 2, dilation_rate: 1, name: sep}
- Conv2DTranspose: {filters: 2, kernel_size: 3, strides: 2, name: up}
- BatchNormalization: {name: bn}
- LayerNormalization: {epsilon: 0.01, name: ln}
- AveragePooling2D: {pool_size: [2, 3], strides: 1, name: ap}
- {GlobalMaxPooling2D: {name: gmp}, inputs: [ap]}
- {GlobalAveragePooling2D: {keepdims: true, name: gap}, inputs: [ap]}
- {Flatten: {name: gap_flat}, inputs: [gap]}
- {Concatenate: {name: pooled}, inputs: [gmp, gap_flat]}
- Dense: {units: 3, activation: softmax, name: out}
)";

// The 1-D classes, on sequences.
const char* const every_sequence_class = R"(
- Input: {shape: [9, 2], name: steps}
- Conv1D: {filters: 3, kernel_size: 2, padding: same, activation: tanh, name: c}
- MaxPooling1D: {pool_size: 2, padding: same, name: mp}
- AveragePooling1D: {pool_size: 2, name: ap}
- {GlobalMaxPooling1D: {name: gmp}, inputs: [ap]}
- {GlobalAveragePooling1D: {name: gap}, inputs: [ap]}
- {Concatenate: {name: both}, inputs: [gmp, gap]}
- Dense: {units: 3, activation: softmax, name: out}
)";

// The reshaping layers and the activation layers with settings, on images.
const char* const every_shaping_class = R"(
- Input: {shape: [4, 6, 2], name: image}
- Reshape: {target_shape: [6, -1, 2], name: turned}
- Permute: {dims: [2, 1, 3], name: swapped}
- ZeroPadding2D: {padding: [[1, 0], [2, 1]], name: padded}
- Cropping2D: {cropping: [1, 2], name: cropped}
- UpSampling2D: {size: [2, 1], interpolation: bilinear, name: up}
- SpatialDropout2D: {rate: 0.3, name: channels_dropped}
- ELU: {alpha: 0.5, name: elu}
- ReLU: {max_value: 6, negative_slope: 0.1, threshold: 0.2, name: relu}
- PReLU: {alpha_initializer: ones, shared_axes: [1, 2], name: prelu}
- Reshape: {target_shape: [-1], name: flat}
- Dense: {units: 3, activation: log_softmax, name: out}
)";

// Embedding takes whole numbers in [0, input_dim).
const char* const embedded = R"(
- Embedding: {input_dim: 7, output_dim: 3, embeddings_initializer: he_uniform, input_shape: [5], name: words}
- Flatten: {name: flat}
- Dense: {units: 3, activation: softmax, name: out}
)";

const char* const sequential = R"(
- Dense: {units: 5, activation: sigmoid, input_shape: [12]}
- Dropout: {rate: 0.5}
- Dense: {units: 3}
)";

std::string plugin_dir() { return testing::binary_dir() + "/lib/mlrun/plugins"; }

// Random weights and optimizer slots, so nothing passes by being zero.
std::unique_ptr<optimizer> fill(model& m, std::unique_ptr<optimizer> opt, std::uint64_t seed)
{
    rng gen(seed);
    std::vector<parameter*> trainable;
    for (const model::node& n : m.nodes()) {
        for (parameter& p : n.op->parameters()) {
            p.value = testing::random_tensor(p.value.dims(), gen, 0.1f, 2.0f);
            if (p.trainable) trainable.push_back(&p);
        }
    }
    opt->attach(trainable);
    for (auto& slots : opt->slots()) {
        for (tensor& s : slots) s = testing::random_tensor(s.dims(), gen, 0.0f, 1.0f);
    }
    opt->set_iterations(1234567);
    return opt;
}

void same_bytes(const checkpoint& a, const checkpoint& b)
{
    BOOST_TEST(a.tensors.size() == b.tensors.size());
    for (const auto& [name, t] : a.tensors) {
        const tensor* other = b.find(name);
        BOOST_TEST_REQUIRE(other != nullptr, name);
        BOOST_TEST((other->dims() == t.dims()), name);
        BOOST_TEST(std::memcmp(other->bytes(), t.bytes(), t.byte_size()) == 0, name << ": bytes differ");
    }
}

// indices_below > 0: inputs are whole numbers in [0, indices_below).
void round_trip(const char* layers, std::unique_ptr<optimizer> (*make)(), const std::string& loss, int indices_below = 0)
{
    const plugin_registry plugins({plugin_dir()});
    std::unique_ptr<model> original = testing::model_from_yaml(layers, 5);
    std::unique_ptr<optimizer> opt = fill(*original, make(), 9);
    char name[] = "/tmp/mlrun-yaml-model-XXXXXX";
    const int fd = ::mkstemp(name);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    const std::string path = std::string(name) + ".yaml";
    std::rename(name, path.c_str());
    save_request request;
    request.opt = opt.get();
    request.loss = loss;
    request.metrics = {"accuracy"};
    save_model(path, *original, request, plugins);

    backend be;
    std::unique_ptr<loaded_model> loaded = load_model(path, plugins, be);
    std::remove(path.c_str());
    BOOST_REQUIRE(loaded->compiled());
    BOOST_TEST(loaded->loss() == loss);
    // Same architecture: every layer's class, full configuration and inputs.
    const auto& ours = original->nodes();
    const auto& theirs = loaded->net().nodes();
    BOOST_REQUIRE(ours.size() == theirs.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
        BOOST_TEST(theirs[i].op->class_name() == ours[i].op->class_name());
        BOOST_TEST(YAML::Dump(encode_layer_spec(theirs[i].op->config())) == YAML::Dump(encode_layer_spec(ours[i].op->config())));
        BOOST_TEST(theirs[i].inputs == ours[i].inputs, boost::test_tools::per_element());
    }
    // Same state: weights, optimizer settings, slots and iterations.
    const checkpoint before = capture_state(*original, opt.get());
    const checkpoint after = capture_state(loaded->net(), &loaded->fitter().get_optimizer());
    BOOST_TEST(after.metadata.at("optimizer_config") == before.metadata.at("optimizer_config"));
    same_bytes(before, after);
    // Same predictions, bit for bit (inference: dropout off, BN moving stats).
    rng gen(3);
    tensor x = testing::random_tensor(original->input_shape().with_batch(7), gen);
    for (std::int64_t i = 0; indices_below > 0 && i < x.size(); ++i) {
        x.f32()[i] = static_cast<float>(gen.below(static_cast<std::uint64_t>(indices_below)));
    }
    const tensor& expected = original->forward(be, x, false, 0);
    const tensor got = loaded->predict(x, 7);
    BOOST_REQUIRE(got.byte_size() == expected.byte_size());
    BOOST_TEST(std::memcmp(got.bytes(), expected.bytes(), got.byte_size()) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(yaml_models)

BOOST_AUTO_TEST_CASE(the_graph_covers_every_built_in_layer_class)
{
    // Adding a layer class without adding it here fails this test.
    std::set<std::string> used;
    for (const char* graph : {every_class, every_image_class, every_sequence_class, every_shaping_class, embedded}) {
        for (const YAML::Node& item : YAML::Load(graph)) {
            for (const auto& kv : item) {
                if (kv.first.Scalar() != "inputs") used.insert(kv.first.Scalar());
            }
        }
    }
    for (const layer_class& c : layer_classes()) BOOST_TEST(used.count(c.name) == 1, c.name << " is not covered");
}

BOOST_AUTO_TEST_CASE(a_graph_of_every_layer_class_with_adam_amsgrad)
{
    round_trip(every_class, [] { return std::unique_ptr<optimizer>(new adam_optimizer(adam_options{0.003f, 0.8f, 0.99f, 1.0e-6f, true, {}})); },
               "sparse_categorical_crossentropy");
}

BOOST_AUTO_TEST_CASE(graphs_of_every_convolutional_class_with_rmsprop)
{
    round_trip(every_image_class, [] { return std::unique_ptr<optimizer>(new rmsprop_optimizer(rmsprop_options{})); },
               "sparse_categorical_crossentropy");
    round_trip(every_sequence_class, [] { return std::unique_ptr<optimizer>(new rmsprop_optimizer(rmsprop_options{})); },
               "sparse_categorical_crossentropy");
}

BOOST_AUTO_TEST_CASE(the_reshaping_and_activation_classes_and_embedding_with_adam)
{
    round_trip(every_shaping_class, [] { return std::unique_ptr<optimizer>(new adam_optimizer(adam_options{})); },
               "categorical_crossentropy");
    round_trip(embedded, [] { return std::unique_ptr<optimizer>(new adam_optimizer(adam_options{})); },
               "sparse_categorical_crossentropy", 7);
}

BOOST_AUTO_TEST_CASE(a_sequential_model_with_sgd_momentum)
{
    round_trip(sequential, [] { return std::unique_ptr<optimizer>(new sgd_optimizer(sgd_options{0.1f, 0.9f, true, {}})); },
               "sparse_categorical_crossentropy");
}

BOOST_AUTO_TEST_SUITE_END()
