#include "ranks.hpp"

#include "mlrun/core/error.hpp"

#ifdef MLRUN_WITH_MPI
#include "mpi_communicator.hpp"
#endif

#include <string>

namespace mlrun::cli {

std::unique_ptr<communicator> connect_ranks(const distributed_options& options)
{
    const int launched = world_size_from_launcher();
    const bool wanted = options.kind == distributed_kind::mpi || (options.kind == distributed_kind::automatic && launched > 1);
    if (!wanted) return std::make_unique<local_communicator>();
#ifdef MLRUN_WITH_MPI
    return make_mpi_communicator();
#else
    if (options.kind == distributed_kind::mpi) {
        throw config_error("distributed.backend: mpi: this mlrun was built without MPI (install libopenmpi-dev, "
                           "reconfigure and rebuild; docs/distributed.md)");
    }
    throw config_error("started by mpirun as one of " + std::to_string(launched) +
                       " processes, but this mlrun was built without MPI, so each would train alone and they would "
                       "overwrite each other's files; rebuild with libopenmpi-dev installed, or set distributed=none "
                       "to run them apart on purpose");
#endif
}

}  // namespace mlrun::cli
