// Checks, before LevelDB opens a bundle index, that every block the table
// points at lies inside the file. LevelDB allocates a block's size as its
// handle states before reading it, and a snappy block's size as its header
// states, so a damaged handle could ask for petabytes; here such an index
// is refused by what the file can hold instead.
#pragma once

#include <string>

namespace mlrun::tf {

// Throws std::runtime_error naming `path` when the footer's index block or
// a data block the index block lists reaches past the end of `bytes`, or a
// snappy-compressed one among them is not valid snappy. Anything else that
// is malformed is left to LevelDB, which rejects it without allocating.
void check_table_bounds(const std::string& bytes, const std::string& path);

}  // namespace mlrun::tf
