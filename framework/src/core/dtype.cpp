#include "mlrun/core/dtype.hpp"

namespace mlrun {

std::size_t dtype_size(dtype type)
{
    switch (type) {
    case dtype::float32: return 4;
    case dtype::int64: return 8;
    case dtype::int32: return 4;
    case dtype::uint8: return 1;
    case dtype::string: return 0;
    }
    return 0;
}

std::string_view dtype_name(dtype type)
{
    switch (type) {
    case dtype::float32: return "float32";
    case dtype::int64: return "int64";
    case dtype::int32: return "int32";
    case dtype::uint8: return "uint8";
    case dtype::string: return "string";
    }
    return "unknown";
}

}  // namespace mlrun
