#include "mlrun/report/crc32c.hpp"

#include "mlrun/checksum/crc32c.hpp"

namespace mlrun {

std::uint32_t crc32c(const void* data, std::size_t size, std::uint32_t crc)
{
    return checksum::crc32c_extend(crc, data, size);
}

std::uint32_t mask_crc32c(std::uint32_t crc) { return checksum::mask_crc(crc); }

}  // namespace mlrun
