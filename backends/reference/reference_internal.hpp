// Declarations shared by the reference kernel files; not part of any API.
#pragma once

#include "mlrun/abi/mlrun_backend.h"

namespace mlrun::reference {

// Every kernel of mlrun_backend.h, as a function of the same name.
#define MLRUN_REFERENCE_KERNEL(name, parameters) mlrun_status name parameters;
MLRUN_BACKEND_KERNELS(MLRUN_REFERENCE_KERNEL)
#undef MLRUN_REFERENCE_KERNEL

// Writes softmax(z) of one row into p and returns log(sum(exp(z))).
float softmax_row(const float* z, float* p, int64_t cols);

// Records the message last_error() returns and yields `status`.
mlrun_status fail(mlrun_status status, const char* message);

}  // namespace mlrun::reference
