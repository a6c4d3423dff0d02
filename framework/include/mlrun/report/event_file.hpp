// TensorBoard event files with scalar summaries: what `tensorboard
// --logdir` shows as curves.
//
// A file holds records (record_file.hpp) of serialized Event messages; the
// first Event carries file_version "brain.Event:2", each later one a
// Summary of tagged float values at a step.
#pragma once

#include "mlrun/report/record_file.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class event_file_writer {
public:
    // Creates `directory` if needed and a new file in it named
    // events.out.tfevents.<unix seconds>.<hostname> (".1", ".2"... appended
    // when that name is taken), starting with the file_version event.
    // Throws io_error, leaving no file.
    explicit event_file_writer(const std::string& directory);

    // One event at `step` holding every (tag, value), on disk when this
    // returns. Throws io_error.
    void add_scalars(std::int64_t step, const std::vector<std::pair<std::string, float>>& values);

    const std::string& path() const { return records_->path(); }

private:
    std::unique_ptr<record_writer> records_;
};

struct scalar_event {
    double wall_time = 0.0;
    std::int64_t step = 0;
    std::string tag;
    float value = 0.0f;
};

struct event_file_contents {
    std::string file_version;  // of the first event
    std::vector<scalar_event> scalars;
};

// Reads an event file: its version and every simple_value scalar, in file
// order. Throws io_error for a broken record or an undecodable Event.
event_file_contents read_event_file(const std::string& path);

// The event files (names containing "tfevents") directly in `directory`,
// sorted by name, which is their order in time.
std::vector<std::string> event_files_in(const std::string& directory);

}  // namespace mlrun
