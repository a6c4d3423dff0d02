// End-to-end checksums of a checkpoint's values, kept in its metadata
// (checkpoint_keys::tensor_crc32c) so every format carries them, HDF5
// included, whose datasets have none of their own. Checkpoints written by
// ModelCheckpoint have them; format::load checks them whenever present.
#pragma once

#include "mlrun/checkpoint/checkpoint.hpp"

#include <string>

namespace mlrun {

namespace checkpoint_keys {
inline constexpr const char* tensor_crc32c = "tensor_crc32c";  // YAML: {tensor name: "crc32c:" and 8 hex digits}
}  // namespace checkpoint_keys

// Adds the metadata entry covering every tensor of `ckpt`.
void add_tensor_checksums(checkpoint& ckpt);

// Throws io_error "PATH: tensor 'NAME': checksum mismatch ..." (or naming a
// tensor the list has and the file lacks, or the reverse) when `ckpt`
// carries checksums that its values do not match. Without them: nothing.
void verify_tensor_checksums(const checkpoint& ckpt, const std::string& path);

}  // namespace mlrun
