// The experiment's `distributed` section: whether a run is data-parallel
// over several processes, and how gradients travel (docs/distributed.md).
#pragma once

#include <cstdint>

namespace mlrun {

enum class distributed_kind {
    automatic,  // MPI when started by mpirun with more than one process, else one process
    none,       // one process, even under mpirun
    mpi,        // MPI (mlrun must be built with it)
};

struct distributed_options {
    distributed_kind kind = distributed_kind::automatic;
    // Gradients are summed in buckets of about this many bytes, each started
    // as soon as the backward pass has written all of its gradients.
    std::int64_t bucket_bytes = 4 << 20;
    // false: every bucket starts after the backward pass (for measuring the overlap).
    bool overlap = true;
    // Compare a checksum of the weights across ranks after every epoch.
    bool check_weights = true;
};

}  // namespace mlrun
