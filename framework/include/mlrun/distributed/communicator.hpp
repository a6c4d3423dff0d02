// How the processes of one data-parallel run talk: rank, size, broadcast,
// sums of float and double buffers (blocking, or started now and waited
// for later so a reduction overlaps the backward pass), minimum and
// maximum of 64-bit words (hashes and checksums), barrier.
//
// The framework holds the single-process one (local_communicator); the
// MPI one lives in its own library (distributed/mpi/), so nothing here
// needs mpi.h. Every rank must make the same calls in the same order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mlrun {

// A reduction started by communicator::start_sum; the buffer it was given
// must stay alive and untouched until wait() returns.
class pending_reduction {
public:
    virtual ~pending_reduction() = default;
    // Lets the reduction progress; true once it is complete.
    virtual bool test() = 0;
    virtual void wait() = 0;
};

class communicator {
public:
    virtual ~communicator() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    // "local", "mpi": for messages.
    virtual std::string name() const = 0;

    // `root`'s bytes replace everyone else's.
    virtual void broadcast(void* data, std::size_t bytes, int root) = 0;
    // Element-wise sums over all ranks, in place.
    virtual void sum(float* data, std::size_t count) = 0;
    virtual void sum(double* data, std::size_t count) = 0;
    virtual std::unique_ptr<pending_reduction> start_sum(float* data, std::size_t count) = 0;
    // Element-wise minimum and maximum over all ranks, in place.
    virtual void min(std::uint64_t* data, std::size_t count) = 0;
    virtual void max(std::uint64_t* data, std::size_t count) = 0;
    virtual void barrier() = 0;
    // Ends every rank of the job now with `code` (after an error one rank
    // found alone, so the others do not wait for it forever).
    [[noreturn]] virtual void abort(int code) = 0;
};

// One process: rank 0 of 1; every reduction leaves its buffer as it is.
class local_communicator final : public communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::string name() const override { return "local"; }
    void broadcast(void*, std::size_t, int) override {}
    void sum(float*, std::size_t) override {}
    void sum(double*, std::size_t) override {}
    std::unique_ptr<pending_reduction> start_sum(float*, std::size_t) override;
    void min(std::uint64_t*, std::size_t) override {}
    void max(std::uint64_t*, std::size_t) override {}
    void barrier() override {}
    [[noreturn]] void abort(int code) override;
};

// How many processes the MPI launcher (mpirun) started this one among,
// read from its environment before MPI starts; 0 when not started by one.
int world_size_from_launcher();

// The ranks whose `value` differs from rank 0's, as "rank 1, rank 3"
// (empty when all agree); every rank gets the same answer.
std::string ranks_differing_from_root(communicator& comm, std::uint64_t value);

// Every rank says whether it failed at a step; all get the same list of
// the ranks that did ("rank 1, rank 3"; empty when none did).
std::string ranks_failing(communicator& comm, bool failed);

}  // namespace mlrun
