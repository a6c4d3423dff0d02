// Arrays in files, for `mlrun predict`: numpy's .npy and plain CSV.
//
// Reading gives float32 whatever the file stores (.npy float64, integers
// and bytes are converted); writing always writes float32 .npy or decimal
// CSV. The format follows the file name's suffix.
#pragma once

#include "mlrun/core/tensor.hpp"

#include <string>

namespace mlrun {

// Reads .npy (format 1.0 to 3.0, little-endian, C order) or .csv (one
// sample per line, numbers separated by commas; a first line that is not
// numbers is taken as a header). Throws data_error naming the file and
// what is wrong (line and column for CSV).
tensor read_array(const std::string& path);

// Writes `t` (float32) as .npy or, for .csv, one row per first-axis entry.
// Throws io_error when the file cannot be written, data_error for another
// suffix.
void write_array(const std::string& path, const tensor& t);

}  // namespace mlrun
