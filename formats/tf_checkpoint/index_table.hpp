// The `.index` file: an immutable sorted key/value table in the LevelDB
// table format (spec §2), built and read with Debian's libleveldb.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mlrun::tf {

using index_entries = std::vector<std::pair<std::string, std::string>>;

// The table bytes for `entries`, which must be sorted bytewise and unique.
// Written the way TensorFlow writes bundle indexes: no compression, 256 KiB
// blocks, restart interval 16, no filter, so the bytes match TF's own.
std::string build_index_table(const index_entries& entries);

// Every entry of a table held in `bytes`, in key order. Checks the footer,
// every block checksum, and that keys strictly increase; accepts snappy
// compressed blocks. Throws std::runtime_error naming `path`.
index_entries read_index_table(const std::string& bytes, const std::string& path);

}  // namespace mlrun::tf
