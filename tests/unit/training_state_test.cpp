// The training_state checkpoints and saved models store: exact round trips
// (doubles bit for bit, infinities too), the saved models' shorter form,
// and damaged text named clearly.
#define BOOST_TEST_MODULE training_state
#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include "mlrun/checkpoint/tensor_checksums.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/checkpoint/training_state.hpp"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlrun;

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

training_state sample()
{
    training_state s;
    s.epochs_done = 4;
    s.step = 137;
    s.seed = 42;
    s.batch_size = 16;
    s.resumable = true;
    s.epoch = 3;
    s.steps_done = 17;
    s.loss_sum = 0.1 + 0.2;  // not representable in short decimal
    s.metric_counts = {{12, 20}, {5, 20}};
    s.learning_rate = 0.00031622776f;
    s.best = std::numeric_limits<double>::infinity();
    s.callbacks = "early_stopping: {best: 0.25, best_epoch: 2, wait: 1}";
    return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(round_trips_exactly)
{
    const training_state s = sample();
    const std::string text = format_training_state(s);
    const YAML::Node root = YAML::Load(text);
    BOOST_TEST(root["epoch"].as<int>() == 4);  // what saved models read
    BOOST_TEST(root["step"].as<int>() == 137);
    BOOST_TEST(root["seed"].as<int>() == 42);
    const training_state back = parse_training_state(text, "cp.ckpt");
    BOOST_TEST(back.resumable);
    BOOST_TEST(back.epochs_done == 4);
    BOOST_TEST(back.step == 137);
    BOOST_TEST(back.seed == 42u);
    BOOST_TEST(back.batch_size == 16);
    BOOST_TEST(back.epoch == 3);
    BOOST_TEST(back.steps_done == 17);
    BOOST_TEST(same_bits(back.loss_sum, s.loss_sum));
    BOOST_TEST(back.metric_counts == s.metric_counts);
    BOOST_TEST(back.learning_rate == s.learning_rate);
    BOOST_TEST(std::isinf(back.best));
    BOOST_TEST(YAML::Load(back.callbacks)["early_stopping"]["wait"].as<int>() == 1);
}

BOOST_AUTO_TEST_CASE(a_saved_models_state_has_no_resume_point)
{
    training_state s;
    s.epochs_done = 6;
    s.step = 114;
    s.seed = 3;
    s.data = "{dataset: idx, path: data/mnist}";
    const std::string text = format_training_state(s);
    BOOST_TEST(YAML::Load(text)["resume"].IsDefined() == false, text);
    const training_state back = parse_training_state(text, "model.h5");
    BOOST_TEST(!back.resumable);
    BOOST_TEST(back.epochs_done == 6);
    BOOST_TEST(back.step == 114);
    BOOST_TEST(YAML::Load(back.data)["path"].as<std::string>() == "data/mnist");
}

BOOST_AUTO_TEST_CASE(damaged_state_names_the_file_and_key)
{
    const std::string text = format_training_state(sample());
    std::string damaged = text;
    damaged.replace(damaged.find("f64:"), 4, "f65:");
    try {
        parse_training_state(damaged, "ck/cp-137.ckpt");
        BOOST_TEST(false, "a damaged number was read");
    } catch (const io_error& e) {
        BOOST_TEST(std::string(e.what()).find("ck/cp-137.ckpt: training_state.resume.loss_sum: expected f64:") == 0, e.what());
    }
    BOOST_CHECK_THROW(parse_training_state("epoch: 3\nstep: 9\n", "old.ckpt"), io_error);  // no seed
    const std::string fields = "epoch: 1\nseed: 1\nbatch_size: 8\nshuffle: true\n";
    BOOST_CHECK_THROW(parse_training_state(fields + "resume: {epoch: -1, steps_done: 0}", "x"), io_error);
    BOOST_CHECK_THROW(parse_training_state(fields + "resume: [1]", "x"), io_error);
    BOOST_CHECK_THROW(parse_training_state("resume: [", "x"), io_error);
    BOOST_CHECK_THROW(parse_training_state("epoch: -2\nseed: 1\nbatch_size: 8\nshuffle: true\n", "x"), io_error);
}

BOOST_AUTO_TEST_CASE(tensor_checksums_catch_a_changed_value_and_a_missing_tensor)
{
    checkpoint ckpt;
    tensor t(shape({3}));
    t.f32()[0] = 1.0f, t.f32()[1] = 2.0f, t.f32()[2] = 3.0f;
    ckpt.tensors.emplace_back("dense/bias", t);
    add_tensor_checksums(ckpt);
    verify_tensor_checksums(ckpt, "cp.h5");  // sound: nothing thrown
    checkpoint changed = ckpt;
    changed.tensors[0].second.f32()[1] = 2.5f;
    BOOST_CHECK_EXCEPTION(verify_tensor_checksums(changed, "cp.h5"), io_error, [](const io_error& e) {
        return std::string(e.what()).find("cp.h5: tensor 'dense/bias': checksum mismatch") == 0;
    });
    checkpoint missing = ckpt;
    missing.tensors.clear();
    BOOST_CHECK_THROW(verify_tensor_checksums(missing, "cp.h5"), io_error);
    checkpoint without = ckpt;
    without.metadata.clear();
    verify_tensor_checksums(without, "weights.h5");  // a file from elsewhere: nothing to check
}

// A few hundred bytes of nested aliases (nine per level, ten levels) stand
// for 9^10 nodes; walking them took seconds and gigabytes. Refused instead.
BOOST_AUTO_TEST_CASE(an_alias_bomb_in_the_state_is_refused)
{
    std::string state = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 10; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        state += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
        for (int j = 1; j < 9; ++j) state += ", " + prev;
        state += "]\n";
    }
    state += "resume: {epoch: 1}\ncallbacks: *a10\n";
    BOOST_CHECK_EXCEPTION(parse_training_state(state, "cp.ckpt"), io_error, [](const io_error& e) {
        BOOST_TEST_MESSAGE(e.what());
        return std::string(e.what()).find("cp.ckpt: training_state: not YAML: aliases expand to more than 100000 nodes") !=
               std::string::npos;
    });
}
