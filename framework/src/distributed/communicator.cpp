#include "mlrun/distributed/communicator.hpp"

#include <cstdlib>
#include <vector>

namespace mlrun {
namespace {

class finished_reduction final : public pending_reduction {
public:
    bool test() override { return true; }
    void wait() override {}
};

}  // namespace

int world_size_from_launcher()
{
    // Open MPI's mpirun first, then the variables of PMI launchers.
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"}) {
        if (const char* value = std::getenv(name); value != nullptr && std::atoi(value) > 0) return std::atoi(value);
    }
    return 0;
}

std::unique_ptr<pending_reduction> local_communicator::start_sum(float*, std::size_t)
{
    return std::make_unique<finished_reduction>();
}

void local_communicator::abort(int code) { std::exit(code); }

std::string ranks_failing(communicator& comm, bool failed)
{
    std::vector<std::uint64_t> slots(static_cast<std::size_t>(comm.size()), 0);
    slots[static_cast<std::size_t>(comm.rank())] = failed ? 1 : 0;
    comm.max(slots.data(), slots.size());
    std::string ranks;
    for (std::size_t r = 0; r < slots.size(); ++r) {
        if (slots[r] != 0) ranks += (ranks.empty() ? "rank " : ", rank ") + std::to_string(r);
    }
    return ranks;
}

std::string ranks_differing_from_root(communicator& comm, std::uint64_t value)
{
    // Each rank fills its own slot; the maximum over ranks gathers them all
    // (every other slot is 0, and the root's value is broadcast apart).
    const auto size = static_cast<std::size_t>(comm.size());
    std::vector<std::uint64_t> slots(size, 0);
    slots[static_cast<std::size_t>(comm.rank())] = value;
    comm.max(slots.data(), slots.size());
    std::uint64_t root = value;
    comm.broadcast(&root, sizeof root, 0);
    std::string ranks;
    for (std::size_t r = 0; r < size; ++r) {
        // A slot of 0 from a rank whose value is 0 still compares right: the broadcast root is exact.
        if (slots[r] != root) ranks += (ranks.empty() ? "rank " : ", rank ") + std::to_string(r);
    }
    return ranks;
}

}  // namespace mlrun
