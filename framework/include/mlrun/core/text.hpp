// Small text helpers shared by the readers of line-based files.
#pragma once

#include <string>
#include <vector>

namespace mlrun {

// The fields of one line between `separator`s, a trailing '\r' (a CRLF
// line end) dropped. An empty line is one empty field.
std::vector<std::string> split_fields(const std::string& line, char separator);

}  // namespace mlrun
