// The YAML checkpoint file: what the plugin stages in memory and how it is
// written and read. docs/formats.md shows a file.
//
// Reading never builds objects from tags or runs anything: every key is
// known and typed, and each error names file:line:column.
#pragma once

#include "mlrun/abi/mlrun_abi.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mlrun::yaml_format {

struct format_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct staged_tensor {
    std::string name;
    mlrun_dtype dtype = MLRUN_DTYPE_FLOAT32;
    std::vector<std::int64_t> dims;
    std::vector<unsigned char> bytes;   // numeric tensors: little-endian, row-major
    std::vector<std::string> strings;   // string tensors
    std::int64_t element_count() const;
};

struct staged_file {
    std::vector<staged_tensor> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;  // in order, keys unique
    void set_meta(const std::string& key, const std::string& value);
};

// Metadata keys the file shows as structured sections rather than strings.
inline constexpr const char* model_key = "model_config";
inline constexpr const char* optimizer_key = "optimizer_config";
inline constexpr const char* loss_key = "loss";
inline constexpr const char* metrics_key = "metrics";

// The whole file's text.
std::string write_text(const staged_file& file);
// Writes the text to a temporary file beside `path` and renames it into
// place, so a failed save leaves an earlier file as it was.
void write_file(const std::string& path, const staged_file& file);

// Parses a file written by write_text (or by hand). `file` names it in
// messages.
staged_file parse_text(const std::string& text, const std::string& file);
staged_file read_file(const std::string& path);

}  // namespace mlrun::yaml_format
