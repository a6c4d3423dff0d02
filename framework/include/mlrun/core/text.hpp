// Small text helpers shared by the readers of line-based files.
#pragma once

#include <string>
#include <vector>

namespace mlrun {

// The fields of one line between `separator`s, a trailing '\r' (a CRLF
// line end) dropped. An empty line is one empty field.
std::vector<std::string> split_fields(const std::string& line, char separator);

// The shortest decimal text that reads back as exactly `value` ("0.2",
// not "0.200000003"), for settings written into configurations.
std::string shortest_text(float value);

}  // namespace mlrun
