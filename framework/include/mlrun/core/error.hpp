// The exceptions mlrun throws, one per kind of failure, each mapped to a
// documented process exit code by the command line (docs/exit-codes.md).
#pragma once

#include <stdexcept>
#include <string>

namespace mlrun {

enum class exit_code : int {
    ok = 0,
    failure = 1,        // anything not listed below
    usage = 2,          // bad command line
    config = 3,         // experiment file or override is invalid
    data = 4,           // data files missing or malformed
    plugin = 5,         // a plugin could not be found, loaded or used
    model = 6,          // model does not fit its data, or a layer is misused
    io = 7,             // reading or writing a file failed
    diverged = 8,       // the training loss became NaN or infinite
    distributed = 9,    // the processes of a data-parallel run disagree
    interrupted = 130,  // stopped by a signal
};

class error : public std::runtime_error {
public:
    error(exit_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
    exit_code code() const noexcept { return code_; }

private:
    exit_code code_;
};

struct usage_error : error {
    explicit usage_error(const std::string& m) : error(exit_code::usage, m) {}
};
struct config_error : error {
    explicit config_error(const std::string& m) : error(exit_code::config, m) {}
};
struct data_error : error {
    explicit data_error(const std::string& m) : error(exit_code::data, m) {}
};
struct plugin_error : error {
    explicit plugin_error(const std::string& m) : error(exit_code::plugin, m) {}
};
struct model_error : error {
    explicit model_error(const std::string& m) : error(exit_code::model, m) {}
};
struct io_error : error {
    explicit io_error(const std::string& m) : error(exit_code::io, m) {}
};
struct diverged_error : error {
    explicit diverged_error(const std::string& m) : error(exit_code::diverged, m) {}
};
struct distributed_error : error {
    explicit distributed_error(const std::string& m) : error(exit_code::distributed, m) {}
};

}  // namespace mlrun
