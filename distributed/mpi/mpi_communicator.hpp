// The communicator over MPI (MPI_COMM_WORLD). mpi.h stays inside the
// library: a program includes this header and links mlrun_mpi.
#pragma once

#include "mlrun/distributed/communicator.hpp"

#include <memory>

namespace mlrun {

// Initialises MPI (once per process; MPI_Finalize when the communicator
// goes). Throws error when MPI cannot start.
std::unique_ptr<communicator> make_mpi_communicator();

}  // namespace mlrun
