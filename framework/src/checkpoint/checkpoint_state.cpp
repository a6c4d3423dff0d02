#include "mlrun/checkpoint/checkpoint_state.hpp"

#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"


#include <boost/filesystem/operations.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fs = boost::filesystem;

namespace mlrun {
namespace {

// Quoted as protobuf's text format quotes bytes: C escapes, octal for
// anything unprintable.
std::string quote(const std::string& s)
{
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '"': out += "\\\""; break;
        case '\'': out += "\\'"; break;
        case '\\': out += "\\\\"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                char octal[5];
                std::snprintf(octal, sizeof octal, "\\%03o", c);
                out += octal;
            } else {
                out += static_cast<char>(c);
            }
        }
    }
    return out + "\"";
}

// Python's repr of a float, which is what TensorFlow writes: the shortest
// text that reads back to the same double, with ".0" on whole numbers.
std::string shortest(double value)
{
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    std::string s(text, result.ptr);
    if (s.find_first_of(".eni") == std::string::npos) s += ".0";
    return s;
}

bool unquote(const std::string& text, std::string& out)
{
    if (text.size() < 2 || (text.front() != '"' && text.front() != '\'') || text.back() != text.front()) return false;
    out.clear();
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        char c = text[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i + 1 > text.size() - 1) return false;
        c = text[i];
        switch (c) {
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'x': {
            int value = 0, digits = 0;
            while (digits < 2 && i + 1 < text.size() - 1 && std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
                value = value * 16 + std::stoi(std::string(1, text[++i]), nullptr, 16);
                ++digits;
            }
            if (digits == 0) return false;
            out += static_cast<char>(value);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int value = c - '0', digits = 1;
                while (digits < 3 && i + 1 < text.size() - 1 && text[i + 1] >= '0' && text[i + 1] <= '7') {
                    value = value * 8 + (text[++i] - '0');
                    ++digits;
                }
                out += static_cast<char>(value);
            } else {
                out += c;  // \" \' \\ and anything else stand for themselves
            }
        }
    }
    return true;
}

std::string trim(const std::string& s)
{
    const std::size_t begin = s.find_first_not_of(" \t\r");
    if (begin == std::string::npos) return "";
    return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

}  // namespace

std::string format_checkpoint_state(const checkpoint_state& state)
{
    std::string text = "model_checkpoint_path: " + quote(state.model_checkpoint_path) + "\n";
    for (const std::string& p : state.all_model_checkpoint_paths) text += "all_model_checkpoint_paths: " + quote(p) + "\n";
    for (double t : state.all_model_checkpoint_timestamps) text += "all_model_checkpoint_timestamps: " + shortest(t) + "\n";
    if (state.last_preserved_timestamp) text += "last_preserved_timestamp: " + shortest(*state.last_preserved_timestamp) + "\n";
    return text;
}

checkpoint_state parse_checkpoint_state(const std::string& text, const std::string& file)
{
    checkpoint_state state;
    std::istringstream in(text);
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const std::string where = file + ":" + std::to_string(number) + ": ";
        const std::size_t colon = line.find(':');
        if (colon == std::string::npos) throw io_error(where + "expected 'field: value', found '" + line + "'");
        const std::string field = trim(line.substr(0, colon));
        const std::string value = trim(line.substr(colon + 1));
        auto string_value = [&] {
            std::string s;
            if (!unquote(value, s)) throw io_error(where + field + ": expected a quoted string, found " + value);
            return s;
        };
        auto double_value = [&] {
            char* end = nullptr;
            const double d = std::strtod(value.c_str(), &end);
            if (value.empty() || end == nullptr || *end != '\0') {
                throw io_error(where + field + ": expected a number, found " + value);
            }
            return d;
        };
        if (field == "model_checkpoint_path") state.model_checkpoint_path = string_value();
        else if (field == "all_model_checkpoint_paths") state.all_model_checkpoint_paths.push_back(string_value());
        else if (field == "all_model_checkpoint_timestamps") state.all_model_checkpoint_timestamps.push_back(double_value());
        else if (field == "last_preserved_timestamp") state.last_preserved_timestamp = double_value();
    }
    if (state.model_checkpoint_path.empty()) throw io_error(file + ": no model_checkpoint_path");
    return state;
}

std::optional<checkpoint_state> read_checkpoint_state(const std::string& directory)
{
    const std::string file = (fs::path(directory) / checkpoint_state_file).string();
    boost::system::error_code ec;
    if (!fs::exists(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw io_error(file + ": cannot be read");
    return parse_checkpoint_state(std::string(std::istreambuf_iterator<char>(in), {}), file);
}

void write_checkpoint_state(const std::string& directory, const checkpoint_state& state)
{
    const std::string file = (fs::path(directory) / checkpoint_state_file).string();
    write_file_atomically(file, format_checkpoint_state(state));
}

std::string resolve_checkpoint_path(const std::string& directory, const std::string& path)
{
    if (!path.empty() && path[0] == '/') return path;
    return (fs::path(directory) / path).string();
}

std::optional<std::string> latest_checkpoint(const std::string& directory)
{
    const std::optional<checkpoint_state> state = read_checkpoint_state(directory);
    if (!state) return std::nullopt;
    const std::string path = resolve_checkpoint_path(directory, state->model_checkpoint_path);
    boost::system::error_code ec;
    if (fs::exists(path + ".index", ec) || fs::is_regular_file(path, ec)) return path;
    return std::nullopt;
}

}  // namespace mlrun
