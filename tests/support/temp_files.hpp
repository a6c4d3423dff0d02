// Temporary files and directories that clean up after themselves.
#pragma once

#include <boost/filesystem.hpp>

#include <fstream>
#include <string>

namespace mlrun::testing {

struct temp_directory {
    boost::filesystem::path path;
    temp_directory() : path(boost::filesystem::temp_directory_path() / boost::filesystem::unique_path("mlrun-test-%%%%%%%%"))
    {
        boost::filesystem::create_directories(path);
    }
    ~temp_directory()
    {
        boost::system::error_code ignored;
        boost::filesystem::remove_all(path, ignored);
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;

    // Writes `text` to `name` inside the directory and returns its path.
    std::string write(const std::string& name, const std::string& text) const
    {
        const auto file = path / name;
        std::ofstream(file.string(), std::ios::binary) << text;
        return file.string();
    }
};

}  // namespace mlrun::testing
