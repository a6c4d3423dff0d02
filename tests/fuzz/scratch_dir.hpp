// A private directory for one fuzzer process. The readers under test take
// paths, so each input is written to a file here first; the directory is
// removed when the process ends normally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace mlrun::fuzz {

class scratch_dir {
public:
    scratch_dir()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mlrun-fuzz-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create " + pattern);
        path_ = pattern;
    }
    ~scratch_dir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    scratch_dir(const scratch_dir&) = delete;
    scratch_dir& operator=(const scratch_dir&) = delete;

    // Writes `size` bytes to `name` inside the directory (replacing it) and
    // returns the file's path.
    std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) const
    {
        const std::string path = (path_ / name).string();
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + path);
        return path;
    }

    std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// The one directory of this process.
inline const scratch_dir& scratch()
{
    static const scratch_dir dir;
    return dir;
}

// Reads a little-endian u32 length at the start of `data` and splits the
// rest there: inputs that hold two files (index + data, images + labels).
// A length past the end puts everything in the first part.
struct two_parts {
    const std::uint8_t* first;
    std::size_t first_size;
    const std::uint8_t* second;
    std::size_t second_size;
};

inline bool split_two(const std::uint8_t* data, std::size_t size, two_parts& out)
{
    if (size < 4) return false;
    const std::size_t length = std::size_t{data[0]} | std::size_t{data[1]} << 8 | std::size_t{data[2]} << 16 |
                               std::size_t{data[3]} << 24;
    const std::size_t rest = size - 4;
    const std::size_t first = length < rest ? length : rest;
    out = {data + 4, first, data + 4 + first, rest - first};
    return true;
}

}  // namespace mlrun::fuzz
