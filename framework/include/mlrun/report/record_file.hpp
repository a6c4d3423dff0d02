// The record framing of TensorFlow's event files (and TFRecord files):
// each record is
//
//   uint64 length            little-endian
//   uint32 masked crc32c     of the 8 length bytes
//   byte   data[length]
//   uint32 masked crc32c     of the data
#pragma once

#include "mlrun/core/appending_file.hpp"

#include <string>
#include <vector>

namespace mlrun {

class record_writer {
public:
    // Creates `path`, which must not exist yet (an event file is never
    // overwritten). Throws io_error naming the file.
    explicit record_writer(std::string path);

    // Appends one framed record, synced, or nothing when the write fails
    // (a full disk): readers, and a run that dies later, see whole
    // records. Throws io_error.
    void write(const std::string& data);

    const std::string& path() const { return file_.path(); }

private:
    appending_file file_;
};

// Every record of the file at `path`, checking both CRCs of each. Throws
// io_error naming the file, the record's index and byte offset, and what is
// wrong (a short read, a CRC mismatch).
std::vector<std::string> read_records(const std::string& path);

}  // namespace mlrun
