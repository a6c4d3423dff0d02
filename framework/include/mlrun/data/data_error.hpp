// data_error lives with the other error kinds; this header keeps the data
// readers' include short.
#pragma once

#include "mlrun/core/error.hpp"
