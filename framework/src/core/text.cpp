#include "mlrun/core/text.hpp"

#include <charconv>

namespace mlrun {

std::vector<std::string> split_fields(const std::string& line, char separator)
{
    std::vector<std::string> fields;
    std::string field;
    for (char c : line) {
        if (c == separator) {
            fields.push_back(field);
            field.clear();
        } else if (c != '\r') {
            field += c;
        }
    }
    fields.push_back(field);
    return fields;
}

std::string shortest_text(float value)
{
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

}  // namespace mlrun
