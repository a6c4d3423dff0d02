#include "tf_types.hpp"

#include "proto/tensor_bundle.pb.h"

namespace mlrun::tf {

std::size_t tf_element_size(int tf_dtype)
{
    switch (tf_dtype) {
    case DT_INT8: case DT_UINT8: case DT_BOOL: case DT_QINT8: case DT_QUINT8: return 1;
    case DT_INT16: case DT_UINT16: case DT_BFLOAT16: case DT_HALF: case DT_QINT16: case DT_QUINT16: return 2;
    case DT_FLOAT: case DT_INT32: case DT_UINT32: case DT_QINT32: return 4;
    case DT_DOUBLE: case DT_INT64: case DT_UINT64: case DT_COMPLEX64: return 8;
    case DT_COMPLEX128: return 16;
    default: return 0;
    }
}

std::string tf_dtype_name(int tf_dtype)
{
    if (DataType_IsValid(tf_dtype)) return DataType_Name(static_cast<DataType>(tf_dtype));
    return "DT_" + std::to_string(tf_dtype);
}

int tf_dtype_of(mlrun_dtype type)
{
    switch (type) {
    case MLRUN_DTYPE_FLOAT32: return DT_FLOAT;
    case MLRUN_DTYPE_INT64: return DT_INT64;
    case MLRUN_DTYPE_INT32: return DT_INT32;
    case MLRUN_DTYPE_UINT8: return DT_UINT8;
    case MLRUN_DTYPE_STRING: return DT_STRING;
    }
    return DT_INVALID;
}

int mlrun_dtype_of(int tf_dtype)
{
    switch (tf_dtype) {
    case DT_FLOAT: return MLRUN_DTYPE_FLOAT32;
    case DT_INT64: return MLRUN_DTYPE_INT64;
    case DT_INT32: return MLRUN_DTYPE_INT32;
    case DT_UINT8: return MLRUN_DTYPE_UINT8;
    case DT_STRING: return MLRUN_DTYPE_STRING;
    default: return 0;
    }
}

}  // namespace mlrun::tf
