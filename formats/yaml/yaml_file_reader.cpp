// Reading: only the keys below, each with its type; every problem is
// reported at its file:line:column.
#include "yaml_file.hpp"
#include "yaml_checksum.hpp"
#include "yaml_values.hpp"

#include "config/bounded_yaml.hpp"
#include "mlrun/core/regular_file.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace mlrun::yaml_format {
namespace {

class reader {
public:
    reader(const std::string& text, const std::string& file) : text_(text), file_(file)
    {
        std::size_t start = 0;
        while (start <= text_.size()) {
            const std::size_t end = text_.find('\n', start);
            lines_.push_back(start);
            if (end == std::string::npos) break;
            start = end + 1;
        }
        set_aside_value_blocks();
    }

    staged_file read()
    {
        YAML::Node root;
        try {
            root = mlrun::load_bounded_yaml(structure_);
        } catch (const YAML::ParserException& e) {
            throw format_error(file_ + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                               ": not valid YAML: " + e.msg);
        }
        if (!root.IsMap()) fail(root, "expected a mapping with mlrun_yaml, model, compile, metadata and tensors");
        staged_file out;
        bool versioned = false;
        std::vector<YAML::Node> keys;
        for (const auto& item : root) keys.push_back(item.first);
        for (std::size_t k = 0; k < keys.size(); ++k) {
            const std::string key = scalar(keys[k], "a key");
            const YAML::Node value = root[key];
            if (key == "crc32c") {
                // Checked against the text before parsing (yaml_checksum.hpp).
            } else if (key == "mlrun_yaml") {
                if (scalar(value, "the format version 1") != "1") fail(value, "mlrun_yaml: expected version 1, found '" + value.Scalar() + "'");
                versioned = true;
            } else if (key == "model") {
                out.set_meta(model_key, model_text(keys[k], value, k + 1 < keys.size() ? &keys[k + 1] : nullptr));
            } else if (key == "compile") {
                read_compile(value, out);
            } else if (key == "metadata") {
                if (!value.IsMap()) fail(value, "metadata: expected a mapping of names to strings");
                for (const auto& item : value) out.set_meta(scalar(item.first, "a metadata name"), scalar(item.second, "a string"));
            } else if (key == "tensors") {
                if (!value.IsSequence()) fail(value, "tensors: expected a list of tensors");
                std::set<std::string> names;
                for (const YAML::Node& t : value) {
                    out.tensors.push_back(read_tensor(t));
                    if (!names.insert(out.tensors.back().name).second) fail(t, "tensor '" + out.tensors.back().name + "' appears twice");
                }
            } else {
                fail(keys[k], "unknown key '" + key + "'; expected mlrun_yaml, crc32c, model, compile, metadata or tensors");
            }
        }
        if (!versioned) fail(root, "not an mlrun YAML checkpoint: the key mlrun_yaml: 1 is missing");
        return out;
    }

private:
    [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const { fail_at(node.Mark(), message); }

    [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& message) const
    {
        if (mark.is_null()) throw format_error(file_ + ": " + message);
        throw format_error(file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " + message);
    }

    std::string scalar(const YAML::Node& node, const std::string& expected) const
    {
        if (!node.IsScalar()) fail(node, "expected " + expected + ", found a " + (node.IsMap() ? "mapping" : node.IsSequence() ? "list" : "null"));
        return node.Scalar();
    }

    std::string line(std::size_t index) const
    {
        if (index >= lines_.size()) return "";
        const std::size_t end = text_.find('\n', lines_[index]);
        return text_.substr(lines_[index], (end == std::string::npos ? text_.size() : end) - lines_[index]);
    }

    // The model section's own lines, after as many empty lines as precede
    // it, so whoever parses it reports this file's line numbers.
    std::string model_text(const YAML::Node& key, const YAML::Node& value, const YAML::Node* next_key) const
    {
        if (!value.IsSequence()) fail(value, "model: expected a list of layers (- Dense: {units: 10})");
        for (const YAML::Node& layer : value) {
            if (!layer.IsMap()) fail(layer, "expected a layer as a mapping from its class to its configuration");
        }
        const auto first = static_cast<std::size_t>(value.Mark().line);
        if (value.Mark().line == key.Mark().line || value.Style() == YAML::EmitterStyle::Flow) {
            return YAML::Dump(value);  // on one line with its key: positions are lost anyway
        }
        const std::size_t last = next_key != nullptr ? static_cast<std::size_t>(next_key->Mark().line) : lines_.size();
        std::string text(first, '\n');
        for (std::size_t i = first; i < last; ++i) text += line(i) + "\n";
        while (!text.empty() && text.back() == '\n') text.pop_back();
        return text;
    }

    void read_compile(const YAML::Node& value, staged_file& out) const
    {
        if (!value.IsMap()) fail(value, "compile: expected a mapping with loss, optimizer and metrics");
        for (const auto& item : value) {
            const std::string key = scalar(item.first, "a compile setting");
            if (key == "loss") {
                out.set_meta(loss_key, scalar(item.second, "the loss's name"));
            } else if (key == "optimizer") {
                if (!item.second.IsMap() || !item.second["name"] || !item.second["config"]) {
                    fail(item.second, "compile.optimizer: expected {name: Adam, config: {...}}");
                }
                out.set_meta(optimizer_key, YAML::Dump(item.second));
            } else if (key == "metrics") {
                if (!item.second.IsSequence()) fail(item.second, "compile.metrics: expected a list of metric names");
                for (const YAML::Node& m : item.second) scalar(m, "a metric name");
                out.set_meta(metrics_key, YAML::Dump(item.second));
            } else {
                fail(item.first, "unknown compile setting '" + key + "'; expected loss, optimizer or metrics");
            }
        }
    }

    staged_tensor read_tensor(const YAML::Node& node) const
    {
        if (!node.IsMap()) fail(node, "expected a tensor: {name, dtype, shape, values}");
        staged_tensor t;
        for (const auto& item : node) {
            const std::string key = scalar(item.first, "a tensor field");
            if (key != "name" && key != "dtype" && key != "shape" && key != "values" && key != "strings") {
                fail(item.first, "unknown tensor field '" + key + "'; expected name, dtype, shape, values (or strings)");
            }
        }
        for (const char* field : {"name", "dtype", "shape"}) {
            if (!node[field]) fail(node, std::string("the tensor has no ") + field);
        }
        t.name = scalar(node["name"], "the tensor's name");
        const std::string where = "tensor '" + t.name + "': ";
        const std::string type = scalar(node["dtype"], "a dtype");
        if (type == "float32") t.dtype = MLRUN_DTYPE_FLOAT32;
        else if (type == "int64") t.dtype = MLRUN_DTYPE_INT64;
        else if (type == "int32") t.dtype = MLRUN_DTYPE_INT32;
        else if (type == "uint8") t.dtype = MLRUN_DTYPE_UINT8;
        else if (type == "string") t.dtype = MLRUN_DTYPE_STRING;
        else fail(node["dtype"], where + "dtype: expected float32, int64, int32, uint8 or string, found '" + type + "'");
        const YAML::Node shape = node["shape"];
        if (!shape.IsSequence()) fail(shape, where + "shape: expected a list of sizes such as [784, 512] ([] for a scalar)");
        std::int64_t count = 1;
        for (const YAML::Node& d : shape) {
            std::int64_t size = -1;
            try {
                size = d.as<std::int64_t>();
            } catch (const YAML::Exception&) {
            }
            if (size < 0 || (size > 0 && count > (std::int64_t{1} << 40) / size)) {
                fail(d, where + "shape: expected sizes from 0 to 2^40 in all, found '" + (d.IsScalar() ? d.Scalar() : "?") + "'");
            }
            count *= size;
            t.dims.push_back(size);
        }
        if (t.dtype == MLRUN_DTYPE_STRING) {
            const YAML::Node strings = node["strings"];
            if (!strings || !strings.IsSequence()) fail(node, where + "a string tensor needs strings: [...] (base64)");
            for (const YAML::Node& s : strings) {
                try {
                    const YAML::Binary b = s.as<YAML::Binary>();
                    t.strings.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
                } catch (const YAML::Exception&) {
                    fail(s, where + "expected a !!binary (base64) string");
                }
            }
            if (static_cast<std::int64_t>(t.strings.size()) != count) {
                fail(strings, where + "expected " + std::to_string(count) + " strings for its shape, found " +
                                  std::to_string(t.strings.size()));
            }
            return t;
        }
        const YAML::Node values = node["values"];
        if (!values) fail(node, where + "the tensor has no values");
        bad_value problem;
        const std::string problem_text = where + "value #";
        if (const auto block = value_blocks_.find(values.Mark().line); block != value_blocks_.end()) {
            // Set aside before parsing: read straight from the file's text.
            const std::string text = text_.substr(block->second.first, block->second.second - block->second.first);
            if (!parse_values(text, t, problem)) {
                fail_at(mark_at(block->second.first + problem.offset), problem_text + std::to_string(problem.index) + ": expected " +
                                                                       problem.expected + (problem.token.empty() ? "" : ", found '" + problem.token + "'"));
            }
            return t;
        }
        const std::string text = scalar(values, "the values as text");
        if (!parse_values(text, t, problem)) {
            fail_at(value_mark(values, text, problem.offset), problem_text + std::to_string(problem.index) + ": expected " +
                                                              problem.expected + (problem.token.empty() ? "" : ", found '" + problem.token + "'"));
        }
        return t;
    }

    // Value blocks are most of a file and slow to scan as YAML, so their
    // lines are blanked in the text given to the YAML parser (keeping line
    // numbers) and read directly. Only the writer's layout is recognised: a
    // line "  values: |" in the top-level `tensors` section, where a line
    // indented by two spaces can only be a tensor's field; the block is the
    // lines after it that are blank or indented further. Anything else goes
    // through the YAML parser as written.
    void set_aside_value_blocks()
    {
        structure_ = text_;
        bool in_tensors = false;
        for (std::size_t row = 0; row < lines_.size(); ++row) {
            const std::string current = line(row);
            if (!current.empty() && current[0] != ' ' && current[0] != '#' && current[0] != '-') {
                in_tensors = current.rfind("tensors:", 0) == 0;
            }
            if (!in_tensors || current.find_last_not_of(" \r") + 1 != 11 || current.compare(0, 11, "  values: |") != 0) continue;
            std::size_t end_row = row + 1;
            while (end_row < lines_.size()) {
                const std::string next = line(end_row);
                const std::size_t indent = next.find_first_not_of(' ');
                if (indent != std::string::npos && indent <= 2) break;
                ++end_row;
            }
            if (end_row == row + 1) continue;
            const std::size_t begin = lines_[row + 1];
            const std::size_t end = end_row < lines_.size() ? lines_[end_row] : text_.size();
            for (std::size_t i = begin; i < end; ++i) {
                if (structure_[i] != '\n') structure_[i] = ' ';
            }
            value_blocks_[static_cast<int>(row)] = {begin, end};
        }
    }

    // The position of byte `offset` of the file.
    YAML::Mark mark_at(std::size_t offset) const
    {
        const auto after = std::upper_bound(lines_.begin(), lines_.end(), offset);
        const auto row = static_cast<std::size_t>(after - lines_.begin()) - 1;
        YAML::Mark mark;
        mark.line = static_cast<int>(row);
        mark.column = static_cast<int>(offset - lines_[row]);
        return mark;
    }

    // Where the character at `offset` of a scalar's text is in the file: a
    // literal block starts on the line after its '|'; its lines keep their
    // offsets after the block's indentation.
    YAML::Mark value_mark(const YAML::Node& node, const std::string& text, std::size_t offset) const
    {
        YAML::Mark mark = node.Mark();
        const std::string first = line(static_cast<std::size_t>(mark.line));
        const bool block = static_cast<std::size_t>(mark.column) < first.size() && first[static_cast<std::size_t>(mark.column)] == '|';
        if (!block) return mark;
        std::size_t row = static_cast<std::size_t>(mark.line) + 1;
        std::size_t line_start = 0;
        for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++row;
                line_start = i + 1;
            }
        }
        const std::string raw = line(row);
        const std::size_t indent = raw.find_first_not_of(' ');
        mark.line = static_cast<int>(row);
        mark.column = static_cast<int>((indent == std::string::npos ? 0 : indent) + (offset - line_start));
        return mark;
    }

    const std::string& text_;
    const std::string& file_;
    std::vector<std::size_t> lines_;  // where each line starts
    std::string structure_;           // text_ with value blocks blanked, for the YAML parser
    std::map<int, std::pair<std::size_t, std::size_t>> value_blocks_;  // header line -> bytes of its values
};

}  // namespace

std::int64_t staged_tensor::element_count() const
{
    std::int64_t count = 1;
    for (const std::int64_t d : dims) count *= d;
    return count;
}

void staged_file::set_meta(const std::string& key, const std::string& value)
{
    for (auto& entry : metadata) {
        if (entry.first == key) {
            entry.second = value;
            return;
        }
    }
    metadata.emplace_back(key, value);
}

staged_file parse_text(const std::string& text, const std::string& file)
{
    check_checksum_line(text, file);
    return reader(text, file).read();
}

staged_file read_file(const std::string& path)
{
    const std::string kind = mlrun::non_regular_kind(path);
    if (!kind.empty()) throw format_error(mlrun::non_regular_message(path, kind));
    std::ifstream in(path, std::ios::binary);
    if (!in) throw format_error(path + ": cannot open the file");
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw format_error(path + ": reading failed");
    return parse_text(content.str(), path);
}

}  // namespace mlrun::yaml_format
