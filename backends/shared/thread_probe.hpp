// Chooses between one thread and a team for one kind of call (one gemm
// shape) by timing calls on each, for a backend whose thread count is the
// default rather than a count the experiment set.
//
// Why a backend needs it: a thread runtime whose master waits for its
// workers (OpenBLAS's does) loses whenever a worker shares its core with
// another busy process, even when idle workers sleep; measured on two
// cores beside one busy process, the MLP ran 5x slower on two threads than
// on one. Only timing tells which is faster under the load of the moment,
// so calls alternate between the two for a few rounds, the faster total
// wins, and the probe is made again every few thousand calls, since the
// load changes. Totals, not minima: the cost of a descheduled worker is
// that some calls take a whole time slice.
#pragma once

#include <cstdint>

namespace mlrun::backend_shared {

class thread_probe {
public:
    // Calls timed on each side per probe, and calls between probes.
    static constexpr int calls_per_side = 8;
    static constexpr std::int64_t calls_between_probes = 4096;

    explicit thread_probe(int team) : team_(team) {}

    // The threads the next call should run on.
    int next() const
    {
        if (!probing()) return chosen_;
        return timed_ % 2 == 0 ? 1 : team_;  // alternated, so a change of load hits both sides alike
    }

    // The time of the call just made on next() threads.
    void record(double seconds)
    {
        if (!probing()) {
            if (++since_probe_ >= calls_between_probes) start_probe();
            return;
        }
        (timed_ % 2 == 0 ? one_ : team_total_) += seconds;
        if (++timed_ == 2 * calls_per_side) {
            chosen_ = team_total_ < one_ ? team_ : 1;
            since_probe_ = 0;
        }
    }

    bool probing() const { return timed_ < 2 * calls_per_side; }
    int chosen() const { return chosen_; }

private:
    void start_probe()
    {
        timed_ = 0;
        one_ = team_total_ = 0;
    }

    int team_;
    int chosen_ = 1;
    int timed_ = 0;
    double one_ = 0;
    double team_total_ = 0;
    std::int64_t since_probe_ = 0;
};

}  // namespace mlrun::backend_shared
