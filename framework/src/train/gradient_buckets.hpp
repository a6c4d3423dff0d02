// Averages the gradients of a data-parallel step across ranks: the
// trainable parameters, last layer first (the order backward writes
// them), are grouped into buckets of about bucket_bytes; a bucket's sum
// starts as soon as the backward pass has finished the layers it holds,
// and finish() waits for all of them before the optimizer step.
#pragma once

#include "mlrun/distributed/communicator.hpp"
#include "mlrun/model/model.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace mlrun {

// Where the time of the gradient sums went, over all steps so far.
struct reduction_timing {
    std::int64_t steps = 0;
    double step_seconds = 0;     // forward, backward, sums and optimizer
    double waited_seconds = 0;   // blocked in finish(), not overlapped with backward
    double in_flight_seconds = 0;  // from each bucket's start to its completion (summed over buckets)
};

class gradient_buckets {
public:
    gradient_buckets(model& m, communicator& comm, std::int64_t bucket_bytes, bool overlap);

    // A new step whose gradients count `weight` (this rank's samples over
    // the global batch's) in the sum.
    void begin_step(float weight);
    // Called by the backward pass after node `index` (from the last node down).
    void node_done(std::size_t index);
    // Starts what has not started, waits for everything and writes the
    // averaged gradients back; non-trainable state (moving statistics)
    // becomes the mean over ranks.
    void finish();

    std::size_t bucket_count() const { return buckets_.size(); }
    const reduction_timing& timing() const { return timing_; }
    reduction_timing& timing() { return timing_; }

private:
    struct bucket {
        std::vector<parameter*> members;
        std::size_t last_node = 0;  // the lowest node index among its members: backward reaches it last
        std::vector<float> buffer;
        std::unique_ptr<pending_reduction> pending;
        std::chrono::steady_clock::time_point started;
        bool done = false;
    };
    void start(bucket& b);
    void poll();

    communicator& comm_;
    bool overlap_;
    std::vector<bucket> buckets_;
    std::size_t next_ = 0;  // buckets start in order, the same on every rank
    float weight_ = 1.0f;
    std::vector<parameter*> moving_state_;  // non-trainable parameters
    std::vector<double> moving_buffer_;
    reduction_timing timing_;
};

}  // namespace mlrun
