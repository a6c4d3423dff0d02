// How a backend with the default thread count picks one thread or its team
// for a kind of call (backends/shared/thread_probe.hpp), from given timings.
#define BOOST_TEST_MODULE thread_probe
#include <boost/test/unit_test.hpp>

#include "thread_probe.hpp"

using mlrun::backend_shared::thread_probe;

namespace {

// Runs one probe: every call on one thread takes `one`, on the team `team`.
void probe_once(thread_probe& p, double one, double team)
{
    BOOST_REQUIRE(p.probing());
    for (int i = 0; i < 2 * thread_probe::calls_per_side; ++i) p.record(p.next() == 1 ? one : team);
    BOOST_REQUIRE(!p.probing());
}

void run_between_probes(thread_probe& p, int threads)
{
    for (std::int64_t i = 0; i < thread_probe::calls_between_probes; ++i) {
        BOOST_REQUIRE(p.next() == threads);
        p.record(1.0);
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(both_sides_are_timed_in_turn)
{
    thread_probe p(4);
    int ones = 0, teams = 0;
    for (int i = 0; i < 2 * thread_probe::calls_per_side; ++i) {
        const int threads = p.next();
        BOOST_TEST((threads == 1 || threads == 4));
        (threads == 1 ? ones : teams) += 1;
        // One side's calls never all come first: the two alternate.
        BOOST_TEST(ones - teams <= 1);
        BOOST_TEST(teams - ones <= 1);
        p.record(1e-3);
    }
    BOOST_TEST(ones == thread_probe::calls_per_side);
    BOOST_TEST(teams == thread_probe::calls_per_side);
}

BOOST_AUTO_TEST_CASE(the_faster_side_is_kept_until_the_next_probe)
{
    thread_probe quiet(2);
    probe_once(quiet, 1.0e-3, 0.6e-3);
    BOOST_TEST(quiet.chosen() == 2);
    run_between_probes(quiet, 2);

    thread_probe busy(2);
    probe_once(busy, 1.0e-3, 5.0e-3);
    BOOST_TEST(busy.chosen() == 1);
    run_between_probes(busy, 1);
}

BOOST_AUTO_TEST_CASE(totals_decide_so_a_few_late_calls_count)
{
    // The team is faster on most calls, but every fourth waits a time slice
    // for a descheduled worker: its total is the larger, so one thread wins.
    thread_probe p(2);
    int team_calls = 0;
    for (int i = 0; i < 2 * thread_probe::calls_per_side; ++i) {
        if (p.next() == 1) {
            p.record(1.0e-3);
        } else {
            p.record(team_calls++ % 4 == 3 ? 4.0e-3 : 0.6e-3);
        }
    }
    BOOST_TEST(p.chosen() == 1);
}

BOOST_AUTO_TEST_CASE(the_load_changing_changes_the_choice_at_the_next_probe)
{
    thread_probe p(2);
    probe_once(p, 1.0e-3, 0.6e-3);
    BOOST_TEST(p.chosen() == 2);
    run_between_probes(p, 2);
    probe_once(p, 1.0e-3, 3.0e-3);  // another process now holds a core
    BOOST_TEST(p.chosen() == 1);
    run_between_probes(p, 1);
    probe_once(p, 1.0e-3, 0.6e-3);  // and has finished
    BOOST_TEST(p.chosen() == 2);
}
