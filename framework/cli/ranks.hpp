// The communicator a training command runs with: MPI when the experiment's
// `distributed` section asks for it or mpirun started several processes,
// else one process.
#pragma once

#include "mlrun/distributed/communicator.hpp"
#include "mlrun/distributed/distributed_options.hpp"

#include <memory>

namespace mlrun::cli {

// Throws config_error when MPI is asked for (or mpirun started several
// processes) but this mlrun was built without it.
std::unique_ptr<communicator> connect_ranks(const distributed_options& options);

}  // namespace mlrun::cli
