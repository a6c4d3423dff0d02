#include "interop/keras/json.hpp"

#include "interop/keras/format_error.hpp"

#include <cstdio>
#include <cstdlib>

namespace mlrun::interop::keras {
namespace {

bool parses_as_integer(const std::string& text, long long& out)
{
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtoll(text.c_str(), &end, 10);
    return *end == '\0';
}

bool parses_as_number(const std::string& text, double& out)
{
    if (text.empty()) return false;
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return *end == '\0';
}

// Where the brackets of `text` (outside strings) first nest deeper than
// `limit`, or npos. Runs before the parser: every consumer of a parsed
// value (dump, the conversions, the destructor) recurses once per level.
std::size_t first_too_deep(const std::string& text, std::size_t limit)
{
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return i;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::string::npos;
}

}  // namespace

json parse_json(const std::string& text, const std::string& where)
{
    if (const std::size_t at = first_too_deep(text, json_depth_limit); at != std::string::npos) {
        throw format_error(where + ": JSON nested deeper than " + std::to_string(json_depth_limit) +
                           " levels (at byte " + std::to_string(at) + "); Keras configs nest a few dozen");
    }
    try {
        return json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number that overflows
        throw format_error(where + " is not valid JSON: " + e.what());
    }
}

const json* member(const json& object, const char* key)
{
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string json_excerpt(const json& value)
{
    std::string text = value.dump();
    if (text.size() > 120) text = text.substr(0, 117) + "...";
    return text;
}

double float_for_json(float value)
{
    char buffer[32];
    for (int digits = 1; digits <= 9; ++digits) {
        std::snprintf(buffer, sizeof buffer, "%.*g", digits, static_cast<double>(value));
        if (std::strtof(buffer, nullptr) == value) return std::strtod(buffer, nullptr);
    }
    return static_cast<double>(value);
}

json json_from_yaml(const YAML::Node& node)
{
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& kv : node) object[kv.first.Scalar()] = json_from_yaml(kv.second);
        return object;
    }
    case YAML::NodeType::Sequence: {
        json list = json::array();
        for (const auto& item : node) list.push_back(json_from_yaml(item));
        return list;
    }
    case YAML::NodeType::Scalar: {
        const std::string& text = node.Scalar();
        if (node.Tag() == "!") return text;  // quoted in the YAML: a string
        long long integer = 0;
        double number = 0.0;
        if (text == "true" || text == "false") return text == "true";
        if (text == "null" || text == "~") return nullptr;
        if (parses_as_integer(text, integer)) return integer;
        if (parses_as_number(text, number)) return number;
        return text;
    }
    default: return nullptr;
    }
}

std::string keras_dump(const json& value)
{
    const std::string compact = value.dump();
    std::string spaced;
    spaced.reserve(compact.size() + compact.size() / 4);
    bool in_string = false;
    bool escaped = false;
    for (char c : compact) {
        spaced += c;
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',' || c == ':') {
            spaced += ' ';
        }
    }
    return spaced;
}

std::string scalar_text(const json& value)
{
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return "null";
    return value.dump();
}

YAML::Node yaml_from_json(const json& value)
{
    if (value.is_object()) {
        YAML::Node map(YAML::NodeType::Map);
        for (auto it = value.begin(); it != value.end(); ++it) map[it.key()] = yaml_from_json(it.value());
        return map;
    }
    if (value.is_array()) {
        YAML::Node list(YAML::NodeType::Sequence);
        for (const json& item : value) list.push_back(yaml_from_json(item));
        return list;
    }
    if (value.is_null()) return YAML::Node(YAML::NodeType::Null);
    return YAML::Node(scalar_text(value));
}

}  // namespace mlrun::interop::keras
