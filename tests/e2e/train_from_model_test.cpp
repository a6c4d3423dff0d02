// `mlrun train --model FILE --config CFG`: going on from a saved model is
// an ordinary run of CFG (checkpoints, callbacks, signals, resume, the
// optimizer's settings), starting from the file's weights, optimizer
// state, epoch and seed.
#define BOOST_TEST_MODULE train_from_model
#include <boost/test/unit_test.hpp>
#include <yaml-cpp/yaml.h>

#include "checkpoint_e2e_support.hpp"
#include "mlrun_child.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/training_state.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <signal.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <thread>

using namespace mlrun;
using namespace mlrun::e2e;

namespace {

constexpr int units = 256;  // big enough that a step takes a while, so a signal lands mid-run

plugin_registry& plugins()
{
    static plugin_registry registry({boost::filesystem::path(plugin_dir())});
    return registry;
}

checkpoint load(const std::string& path, const char* format_name)
{
    return format(plugins().find(MLRUN_PLUGIN_FORMAT, format_name)).load(path);
}

void require_exit(const scratch& s, std::vector<std::string> args, int expected)
{
    const int code = run_to_end(s, std::move(args));
    BOOST_REQUIRE_MESSAGE(code == expected, "exit " << code << ": " << log_text(s));
}

// exp.yaml, and five.h5: its model after five epochs (64 samples in
// batches of 16, so step 20).
void train_five(const scratch& s, const std::string& extra = "")
{
    s.experiment("exp.yaml", 5, extra, units);
    require_exit(s, {"exp.yaml", "save.path=five.h5"}, 0);
}

std::vector<std::string> go_on(std::vector<std::string> overrides)
{
    std::vector<std::string> args = {"train", "--model", "five.h5", "--config", "exp.yaml"};
    args.insert(args.end(), overrides.begin(), overrides.end());
    return args;
}

}  // namespace

BOOST_AUTO_TEST_CASE(checkpoints_are_written_as_the_config_says)
{
    scratch s;
    train_five(s);
    require_exit(s, go_on({"fit.epochs=8", "checkpoint.path=ck/cp-{epoch}.ckpt", "checkpoint.verbose=1"}), 0);
    const std::string log = log_text(s);
    BOOST_TEST(contains(log, "Going on from epoch 5 of five.h5 (seed 3) to epoch 8"), log);
    BOOST_TEST(contains(log, "Epoch 6: saving model to ck/cp-6.ckpt"), log);
    const std::optional<checkpoint_state> state = read_checkpoint_state(s.path("ck"));
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(state->all_model_checkpoint_paths == (std::vector<std::string>{"cp-6.ckpt", "cp-7.ckpt", "cp-8.ckpt"}),
               boost::test_tools::per_element());
    // The checkpoint says where training stands: after epoch 8, step 32.
    const checkpoint last = load(s.path("ck/cp-8.ckpt"), "tf_checkpoint");
    const training_state at = parse_training_state(last.metadata.at("training_state"), "cp-8.ckpt");
    BOOST_TEST(at.epochs_done == 8);
    BOOST_TEST(at.step == 32);
    BOOST_TEST(at.seed == 3u);
}

BOOST_AUTO_TEST_CASE(callbacks_run)
{
    scratch s;
    train_five(s);
    require_exit(s, go_on({"fit.epochs=7", "callbacks.csv_logger.path=log.csv"}), 0);
    const std::string csv = file_text(s.path("log.csv"));
    // A header and one row per epoch trained here (Keras's 0-based epochs 5 and 6).
    BOOST_TEST(contains(csv, "\n5,"), csv);
    BOOST_TEST(contains(csv, "\n6,"), csv);
    BOOST_TEST(!contains(csv, "\n4,"), csv);
}

BOOST_AUTO_TEST_CASE(the_configs_learning_rate_applies)
{
    scratch s;
    train_five(s);
    std::string config = file_text(s.path("exp.yaml"));
    config.replace(config.find("optimizer: adam"), 15, "optimizer: {adam: {learning_rate: 0.25}}");
    std::ofstream(s.path("faster.yaml")) << config;
    require_exit(s, {"train", "--model", "five.h5", "--config", "faster.yaml", "fit.epochs=6", "save.path=six.h5"}, 0);
    const checkpoint six = load(s.path("six.h5"), "hdf5");
    const YAML::Node optimizer = YAML::Load(six.metadata.at("optimizer_config"));
    BOOST_TEST(optimizer["config"]["learning_rate"].as<double>() == 0.25);
    // The optimizer's state went on: its iteration count is the file's 20 plus 4.
    const tensor* iterations = six.find("optimizer/iterations");
    BOOST_REQUIRE(iterations != nullptr);
    BOOST_TEST(iterations->data<std::int64_t>()[0] == 24);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_and_resume_goes_on_exactly)
{
    const std::vector<std::string> run = {"fit.epochs=40", "checkpoint.path=ck/cp-{step}.ckpt", "checkpoint.every=5 steps",
                                          "checkpoint.keep_last=2"};
    checkpoint expected;
    {
        scratch straight;
        train_five(straight);
        require_exit(straight, go_on(run), 0);
        const std::optional<std::string> last = latest_checkpoint(straight.path("ck"));
        BOOST_REQUIRE_MESSAGE(last.has_value(), log_text(straight));
        expected = load(*last, "tf_checkpoint");
    }
    scratch s;
    train_five(s);
    const child c = start_mlrun(s, go_on(run));
    for (int i = 0; i < 5000 && !latest_checkpoint(s.path("ck")); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::kill(c.pid, SIGTERM);
    const int code = wait_for(c);
    const std::string log = log_text(s);
    if (code == 0) {
        BOOST_TEST_MESSAGE("training ended before the signal came; nothing to check");
        return;
    }
    BOOST_REQUIRE_MESSAGE(code == 143, "exit " << code << ": " << log);
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_search(log, m, std::regex("stopping on a signal at step ([0-9]+)")), log);
    BOOST_TEST(contains(log, "`mlrun train --model five.h5 --config exp.yaml fit.epochs=40"), log);
    std::vector<std::string> resume = go_on(run);
    resume.push_back("--resume");
    require_exit(s, resume, 0);
    BOOST_TEST(contains(log_text(s), "Resuming from ck/cp-" + m[1].str() + ".ckpt"), log_text(s));
    const checkpoint found = load(*latest_checkpoint(s.path("ck")), "tf_checkpoint");
    BOOST_REQUIRE_EQUAL(expected.tensors.size(), found.tensors.size());
    for (std::size_t i = 0; i < expected.tensors.size(); ++i) {
        const tensor& a = expected.tensors[i].second;
        const tensor& b = found.tensors[i].second;
        BOOST_TEST_CONTEXT(expected.tensors[i].first)
        {
            BOOST_REQUIRE_EQUAL(a.byte_size(), b.byte_size());
            BOOST_TEST(std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0);
        }
    }
    BOOST_TEST(expected.metadata.at("training_state") == found.metadata.at("training_state"));
}
