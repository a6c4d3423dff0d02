// checkpoint.every in time units: the first save comes at the first step
// that ends once the time has passed since training began.
#include <boost/test/unit_test.hpp>

#include "checkpoint_e2e_support.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "train/session.hpp"

#include <chrono>
#include <sstream>
#include <thread>

using namespace mlrun;
using namespace mlrun::e2e;

namespace {

// Holds up training once, after its first step, for longer than the interval.
struct slow_first_step final : callback {
    void on_batch_end(trainer&, std::int64_t batch, const metric_logs&) override
    {
        if (batch == 0 && !slept) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        slept = true;
    }
    bool slept = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint_every_time)

BOOST_AUTO_TEST_CASE(a_save_every_second_comes_after_the_slow_step)
{
    scratch s;
    const fs::path previous = fs::current_path();
    fs::current_path(s.dir);
    session run({s.experiment("timed.yaml", 2, "checkpoint: {path: 'tm/cp-{step}.ckpt', every: 1 s, keep_last: 0, verbose: 1}\n"),
                 {}, {boost::filesystem::path(plugin_dir())}, true});
    slow_first_step slow;
    std::ostringstream out;
    run.fit(out, {&slow});
    fs::current_path(previous);
    BOOST_TEST_MESSAGE(out.str());
    // The checkpoint callback runs before `slow`, so step 1 ends before the
    // pause and step 2 is the first to end more than a second in. The other
    // 6 steps of this tiny run take milliseconds, far from another second.
    const auto state = read_checkpoint_state(s.path("tm"));
    BOOST_REQUIRE(state.has_value());
    BOOST_TEST(state->all_model_checkpoint_paths == std::vector<std::string>{"cp-2.ckpt"}, boost::test_tools::per_element());
    BOOST_TEST(contains(out.str(), "\nEpoch 1: saving model to tm/cp-2.ckpt\n"));
}

BOOST_AUTO_TEST_SUITE_END()
