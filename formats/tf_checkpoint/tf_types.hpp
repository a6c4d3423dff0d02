// TensorFlow's element types (spec §3.4) next to mlrun's.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstddef>
#include <string>

namespace mlrun::tf {

// Bytes per element of a fixed-size TensorFlow type; 0 for DT_STRING,
// DT_VARIANT, DT_RESOURCE and values this reader does not know.
std::size_t tf_element_size(int tf_dtype);

// "DT_FLOAT", or "DT_<number>" for an unknown value.
std::string tf_dtype_name(int tf_dtype);

// The TensorFlow type mlrun's type is stored as.
int tf_dtype_of(mlrun_dtype type);

// The mlrun type a TensorFlow type is read as, or 0 when mlrun has none.
int mlrun_dtype_of(int tf_dtype);

}  // namespace mlrun::tf
