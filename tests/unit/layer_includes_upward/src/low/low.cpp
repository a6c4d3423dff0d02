#include "mlrun/high/high.hpp"
