#include "mpi_communicator.hpp"

#include "mlrun/core/error.hpp"

// The C API only: the C++ bindings do not build warning-free.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

namespace mlrun {
namespace {

void check(int status, const char* what)
{
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw error(exit_code::failure, std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

int count_of(std::size_t count, const char* what)
{
    if (count > static_cast<std::size_t>(INT_MAX)) {
        throw error(exit_code::failure, std::string(what) + ": " + std::to_string(count) + " elements is more than MPI takes in one call");
    }
    return static_cast<int>(count);
}

class mpi_reduction final : public pending_reduction {
public:
    mpi_reduction(float* data, std::size_t count)
    {
        check(MPI_Iallreduce(MPI_IN_PLACE, data, count_of(count, "MPI_Iallreduce"), MPI_FLOAT, MPI_SUM,
                             MPI_COMM_WORLD, &request_),
              "MPI_Iallreduce");
    }
    ~mpi_reduction() override
    {
        // Never left in flight: its buffer is about to go.
        if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
    }
    bool test() override
    {
        if (request_ == MPI_REQUEST_NULL) return true;
        int done = 0;
        check(MPI_Test(&request_, &done, MPI_STATUS_IGNORE), "MPI_Test");
        return done != 0;
    }
    void wait() override
    {
        if (request_ != MPI_REQUEST_NULL) check(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait");
    }

private:
    MPI_Request request_ = MPI_REQUEST_NULL;
};

class mpi_communicator final : public communicator {
public:
    mpi_communicator()
    {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised) {
            check(MPI_Init(nullptr, nullptr), "MPI_Init");
            owns_ = true;
        }
        // A failed call returns its code, so the error names the call.
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~mpi_communicator() override
    {
        if (owns_) MPI_Finalize();
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string name() const override { return "mpi"; }

    void broadcast(void* data, std::size_t bytes, int root) override
    {
        check(MPI_Bcast(data, count_of(bytes, "MPI_Bcast"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
    }
    void sum(float* data, std::size_t count) override { reduce(data, count, MPI_FLOAT, MPI_SUM); }
    void sum(double* data, std::size_t count) override { reduce(data, count, MPI_DOUBLE, MPI_SUM); }
    std::unique_ptr<pending_reduction> start_sum(float* data, std::size_t count) override
    {
        return std::make_unique<mpi_reduction>(data, count);
    }
    void min(std::uint64_t* data, std::size_t count) override { reduce(data, count, MPI_UINT64_T, MPI_MIN); }
    void max(std::uint64_t* data, std::size_t count) override { reduce(data, count, MPI_UINT64_T, MPI_MAX); }
    void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
    [[noreturn]] void abort(int code) override
    {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] true
    }

private:
    void reduce(void* data, std::size_t count, MPI_Datatype type, MPI_Op op)
    {
        check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(count, "MPI_Allreduce"), type, op, MPI_COMM_WORLD),
              "MPI_Allreduce");
    }

    int rank_ = 0;
    int size_ = 1;
    bool owns_ = false;
};

}  // namespace

std::unique_ptr<communicator> make_mpi_communicator() { return std::make_unique<mpi_communicator>(); }

}  // namespace mlrun
