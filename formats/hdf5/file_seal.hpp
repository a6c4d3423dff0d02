// mlrun's checksum over every HDF5 file it writes. HDF5 keeps no checksum
// of its own in these files (superblock version 0, as Keras writes them),
// and libhdf5 1.10 can crash on damaged metadata; so each file starts with
// a 512-byte HDF5 user block, which libhdf5, h5dump, h5py and Keras skip,
// holding a CRC32C of everything after it:
//
//   offset  size  content
//        0    16  magic "mlrun-h5-crc32c\n"
//       16     4  version, uint32 little-endian (1)
//       20     8  covered: the number of bytes after the block, uint64 LE
//       28     4  CRC32C of those bytes, uint32 LE
//       32   480  zeros
//
// The block is written after libhdf5 has closed the file and checked
// before libhdf5 ever opens it, so damage anywhere after it (truncation,
// flipped bits, a lost page) is reported before any HDF5 code runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mlrun::keras_h5 {

// Also the HDF5 user block size the writer asks for (a power of two >= 512).
inline constexpr std::size_t seal_block_size = 512;

// Fills in the block of the file open for reading and writing at `fd`,
// whose first seal_block_size bytes libhdf5 left as its user block.
// `name` is used in messages.
void seal_file(int fd, const std::string& name);

// The same for a whole file's bytes in memory, before they are written.
void seal_image(std::vector<unsigned char>& bytes, const std::string& name);

struct seal_state {
    bool sealed = false;         // the magic is there, and what it covers matches
    std::uint64_t covered = 0;   // bytes after the block
    std::uint32_t crc = 0;
};

// Reads the block of a file's bytes. No magic (a file mlrun did not write, or one
// whose magic itself is damaged): sealed = false, nothing else checked.
// With the magic: the length and CRC32C of the rest are checked, and a
// mismatch throws format_error saying what was found and what expected.
seal_state check_seal(const std::vector<unsigned char>& bytes);
// The same for the file at `path`, read once.
seal_state check_seal(const std::string& path);

// "crc32c 0x1234abcd of the 26200 bytes after the checksum block: matches",
// or why there is none.
std::string describe(const seal_state& state);

}  // namespace mlrun::keras_h5
