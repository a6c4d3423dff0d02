// Just enough of the zip format for .npz: uncompressed ("stored")
// entries, as numpy.savez writes them, with their crc32 checked on read.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace npz {

// Builds an archive in memory; entries are added in order.
class zip_writer {
public:
    void add(const std::string& name, const std::string& data);
    // The whole archive: local entries, central directory, end record.
    std::string finish() const;

private:
    struct entry {
        std::string name;
        uint32_t crc;
        uint32_t size;
        uint32_t offset;
    };
    std::string body_;
    std::vector<entry> entries_;
};

// Reads every entry of an archive held in memory; throws
// std::runtime_error on a damaged archive, a compressed entry or a crc
// mismatch (naming the entry).
std::vector<std::pair<std::string, std::string>> read_zip(const std::string& archive);

}  // namespace npz
