// The tensor bundle's checksums (spec §1): CRC-32C and its masking, from the
// project's one implementation, under the names this plugin uses.
#pragma once

#include "mlrun/checksum/crc32c.hpp"

namespace mlrun::tf {

using checksum::crc32c;
using checksum::crc32c_extend;
using checksum::crc_hex;
using checksum::crc_mask_delta;
using checksum::mask_crc;
using checksum::unmask_crc;

}  // namespace mlrun::tf
