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

void round_trip(const char* layers, std::unique_ptr<optimizer> (*make)(), const std::string& loss)
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
    const tensor x = testing::random_tensor(original->input_shape().with_batch(7), gen);
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
    for (const YAML::Node& item : YAML::Load(every_class)) used.insert(item.begin()->first.Scalar());
    for (const layer_class& c : layer_classes()) BOOST_TEST(used.count(c.name) == 1, c.name << " is not covered");
}

BOOST_AUTO_TEST_CASE(a_graph_of_every_layer_class_with_adam_amsgrad)
{
    round_trip(every_class, [] { return std::unique_ptr<optimizer>(new adam_optimizer(adam_options{0.003f, 0.8f, 0.99f, 1.0e-6f, true, {}})); },
               "sparse_categorical_crossentropy");
}

BOOST_AUTO_TEST_CASE(a_sequential_model_with_sgd_momentum)
{
    round_trip(sequential, [] { return std::unique_ptr<optimizer>(new sgd_optimizer(sgd_options{0.1f, 0.9f, true, {}})); },
               "sparse_categorical_crossentropy");
}

BOOST_AUTO_TEST_SUITE_END()
