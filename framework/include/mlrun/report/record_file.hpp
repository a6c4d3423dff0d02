// The record framing of TensorFlow's event files (and TFRecord files):
// each record is
//
//   uint64 length            little-endian
//   uint32 masked crc32c     of the 8 length bytes
//   byte   data[length]
//   uint32 masked crc32c     of the data
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace mlrun {

class record_writer {
public:
    // Creates `path`, which must not exist yet (an event file is never
    // overwritten). Throws io_error naming the file.
    explicit record_writer(std::string path);
    ~record_writer();
    record_writer(const record_writer&) = delete;
    record_writer& operator=(const record_writer&) = delete;

    // Appends one framed record. Throws io_error.
    void write(const std::string& data);
    // Hands what was written to the operating system, so that readers (and
    // a run that dies later) see whole records. Throws io_error.
    void flush();

    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::FILE* file_ = nullptr;
};

// Every record of the file at `path`, checking both CRCs of each. Throws
// io_error naming the file, the record's index and byte offset, and what is
// wrong (a short read, a CRC mismatch).
std::vector<std::string> read_records(const std::string& path);

}  // namespace mlrun
