// Which file each part of a (possibly composed) experiment came from, so
// errors name the right file.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class config_source {
public:
    // A single file; implicit so a file name can be passed where a source is expected.
    config_source(std::string file) : file_(std::move(file)) {}  // NOLINT(google-explicit-constructor)
    config_source(const char* file) : file_(file) {}             // NOLINT(google-explicit-constructor)

    // Records that the value at dotted `path` ("fit", "fit.epochs") came from `file`.
    void set_origin(const std::string& path, const std::string& file);

    // The file of the most specific recorded path containing `path`, else
    // the main file.
    const std::string& file_for(const std::string& path) const;
    const std::string& main_file() const { return file_; }

    // Every file involved, main file first.
    std::vector<std::string> files() const;

private:
    std::string file_;
    std::vector<std::pair<std::string, std::string>> origins_;
};

}  // namespace mlrun
