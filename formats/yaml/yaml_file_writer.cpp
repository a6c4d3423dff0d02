// Writing: the architecture and compile settings as readable YAML, the
// other metadata as strings, then every tensor with its values.
#include "yaml_file.hpp"
#include "yaml_checksum.hpp"
#include "yaml_values.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/core/atomic_file.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdio>

namespace mlrun::yaml_format {
namespace {

const char* dtype_text(mlrun_dtype dtype)
{
    switch (dtype) {
    case MLRUN_DTYPE_FLOAT32: return "float32";
    case MLRUN_DTYPE_INT64: return "int64";
    case MLRUN_DTYPE_INT32: return "int32";
    case MLRUN_DTYPE_UINT8: return "uint8";
    case MLRUN_DTYPE_STRING: return "string";
    }
    return "unknown";
}

// Whether `text` is YAML that reads back to the same text once dumped, so
// showing it as structure loses nothing.
bool dumps_back(const std::string& text, YAML::Node& parsed)
{
    try {
        parsed = mlrun::load_bounded_yaml(text);
        return YAML::Dump(parsed) == text;
    } catch (const YAML::Exception&) {
        return false;
    }
}

// `key: value` as one mapping entry: multi-line values as a literal block,
// others plain, each only when it reads back identical; otherwise quoted
// with escapes.
std::string entry(const std::string& key, const std::string& value, const std::string& indent)
{
    for (const YAML::EMITTER_MANIP style : {YAML::Literal, YAML::Auto, YAML::DoubleQuoted}) {
        if (style == YAML::Literal && value.find('\n') == std::string::npos) continue;
        YAML::Emitter out;
        out.SetIndent(2);
        out << YAML::BeginMap << YAML::Key << key << YAML::Value << style << value << YAML::EndMap;
        try {
            if (YAML::Load(out.c_str())[key].as<std::string>() != value) continue;
        } catch (const YAML::Exception&) {
            continue;
        }
        std::string text;
        std::string line;
        for (const char c : std::string(out.c_str()) + "\n") {
            if (c != '\n') {
                line += c;
                continue;
            }
            text += indent + line + "\n";
            line.clear();
        }
        return text;
    }
    return indent + key + ": \"\"\n";  // unreachable: a double-quoted scalar always reads back
}

std::string node_entry(const std::string& key, const YAML::Node& value, const std::string& indent)
{
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::BeginMap << YAML::Key << key << YAML::Value << value << YAML::EndMap;
    std::string text;
    std::string line;
    for (const char c : std::string(out.c_str()) + "\n") {
        if (c != '\n') {
            line += c;
            continue;
        }
        text += indent + line + "\n";
        line.clear();
    }
    return text;
}

std::string quoted(const std::string& text)
{
    YAML::Emitter out;
    out << YAML::DoubleQuoted << text;
    return out.c_str();
}

std::string shape_text(const std::vector<std::int64_t>& dims)
{
    std::string text = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
    return text + "]";
}

}  // namespace

std::string write_text(const staged_file& file)
{
    std::string text = "# mlrun checkpoint in the YAML format (docs/formats.md)\nmlrun_yaml: 1\n";
    std::vector<std::pair<std::string, std::string>> rest;
    std::string compile;
    for (const auto& [key, value] : file.metadata) {
        YAML::Node parsed;
        std::string model_text = value;
        while (!model_text.empty() && model_text[0] == '\n') model_text.erase(0, 1);
        if (key == model_key && model_text.rfind("- ", 0) == 0 && dumps_back(model_text, parsed) && parsed.IsSequence()) {
            // Written as is, so the lines a reader reports are this file's.
            text += "model:\n" + model_text + (model_text.back() == '\n' ? "" : "\n");
        } else if (key == loss_key && value.find('\n') == std::string::npos) {
            compile += entry("loss", value, "  ");
        } else if ((key == optimizer_key || key == metrics_key) && dumps_back(value, parsed) &&
                   (parsed.IsMap() || parsed.IsSequence())) {
            compile += node_entry(key == optimizer_key ? "optimizer" : "metrics", parsed, "  ");
        } else {
            rest.emplace_back(key, value);
        }
    }
    if (!compile.empty()) text += "compile:\n" + compile;
    if (!rest.empty()) {
        text += "metadata:\n";
        for (const auto& [key, value] : rest) text += entry(key, value, "  ");
    }
    text += file.tensors.empty() ? "tensors: []\n" : "tensors:\n";
    for (const staged_tensor& t : file.tensors) {
        text += "- name: " + quoted(t.name) + "\n  dtype: " + dtype_text(t.dtype) + "\n  shape: " + shape_text(t.dims) + "\n";
        if (t.dtype == MLRUN_DTYPE_STRING) {
            YAML::Node strings(YAML::NodeType::Sequence);
            for (const std::string& s : t.strings) {
                strings.push_back(YAML::Binary(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
            }
            text += node_entry("strings", strings, "  ");
        } else if (t.element_count() == 0) {
            text += "  values: \"\"\n";
        } else {
            text += "  values: |\n" + values_text(t, "    ");
        }
    }
    return text;
}

void write_file(const std::string& path, const staged_file& file)
{
    // Checkpoints carry a checksum line; architecture files (no tensors)
    // are there to be edited, so they do not.
    const std::string text = file.tensors.empty() ? write_text(file) : with_checksum_line(write_text(file));
    write_file_atomically(path, text);
}

}  // namespace mlrun::yaml_format
