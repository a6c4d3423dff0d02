// JSON as Keras writes it (key order kept), and the conversions between
// JSON values and the YAML text the framework's metadata uses.
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <string>

namespace mlrun::interop::keras {

using json = nlohmann::ordered_json;

// The deepest nesting of arrays and objects parse_json accepts. A Keras
// model config nests about 6 levels per model; 128 leaves room for models
// nested in models, and keeps every recursive use of the value far from
// the stack's end.
inline constexpr std::size_t json_depth_limit = 128;

// Parses `text`; format_error "<where> is not valid JSON: ..." otherwise,
// and "<where>: JSON nested deeper than 128 levels" before parsing.
json parse_json(const std::string& text, const std::string& where);

// A member of a JSON object, or nullptr when absent or `object` is no object.
const json* member(const json& object, const char* key);

// The value as Keras writes it, cut to a readable length for messages.
std::string json_excerpt(const json& value);

// A float32 value as the shortest decimal that reads back as the same
// float (0.2, 0.001), so files show what the user wrote.
double float_for_json(float value);

// Generic conversions for data mlrun keeps in Keras files (the training
// state): YAML scalars become JSON numbers, booleans or null where they
// read as such, else strings; JSON scalars become plain YAML scalars.
json json_from_yaml(const YAML::Node& node);
YAML::Node yaml_from_json(const json& value);

// `value` as Python's json.dumps writes it, which is how Keras files read:
// ", " between items and ": " after keys.
std::string keras_dump(const json& value);

// A JSON scalar as YAML scalar text ("16", "0.0010000000474974513", "true").
std::string scalar_text(const json& value);

}  // namespace mlrun::interop::keras
