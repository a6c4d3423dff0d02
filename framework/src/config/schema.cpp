#include "config/schema.hpp"

#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace mlrun {
namespace {

std::size_t edit_distance(const std::string& a, const std::string& b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

bool parses_as_integer(const YAML::Node& v)
{
    long long ignored = 0;
    return YAML::convert<long long>::decode(v, ignored);
}

bool parses_as_number(const YAML::Node& v)
{
    double d = 0.0;
    return YAML::convert<double>::decode(v, d) && std::isfinite(d);
}

bool parses_as_boolean(const YAML::Node& v)
{
    bool b = false;
    return YAML::convert<bool>::decode(v, b);
}

bool scalar_fits(const YAML::Node& v, value_kind kind)
{
    if (!v.IsScalar()) return false;
    switch (kind) {
    case value_kind::integer: return parses_as_integer(v);
    case value_kind::number: return parses_as_number(v);
    case value_kind::boolean: return parses_as_boolean(v);
    case value_kind::string: return true;
    default: return false;
    }
}

std::string found_text(const YAML::Node& v)
{
    if (!v.IsDefined() || v.IsNull()) return "nothing";
    if (v.IsScalar()) return "'" + v.Scalar() + "'";
    if (v.IsSequence()) return "a list";
    return "a mapping";
}

}  // namespace

namespace {
const std::string command_line_prefix = "command line argument '";
}  // namespace

std::string command_line_origin(const std::string& argument) { return command_line_prefix + argument + "'"; }

bool is_command_line_origin(const std::string& origin) { return origin.rfind(command_line_prefix, 0) == 0; }

std::string position(const std::string& file, const YAML::Node& node)
{
    const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    // A value parsed from an argument has the argument's own 1:1, which says nothing.
    if (mark.is_null() || is_command_line_origin(file)) return file;
    return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

std::string describe(value_kind kind)
{
    switch (kind) {
    case value_kind::integer: return "an integer";
    case value_kind::number: return "a number";
    case value_kind::boolean: return "true or false";
    case value_kind::string: return "a string";
    case value_kind::integer_list: return "a list of integers";
    case value_kind::integer_tuple: return "an integer or a list of integers";
    case value_kind::string_list: return "a list of strings";
    case value_kind::mapping: return "a mapping";
    case value_kind::any: return "any value";
    }
    return "a value";
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates)
{
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const std::string& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best;
}

bool number_range::contains(double v) const
{
    return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
}

std::string number_range::text() const
{
    const auto bound = [](double b) {
        std::ostringstream out;
        out << b;
        return out.str();
    };
    if (std::isinf(high)) return (low_open ? "> " : ">= ") + bound(low);
    return (low_open ? "(" : "[") + bound(low) + ", " + bound(high) + (high_open ? ")" : "]");
}

key_spec with_range(key_spec key, number_range range)
{
    key.range = range;
    return key;
}

void check_value(const YAML::Node& value, const key_spec& key, const config_source& source, const std::string& path)
{
    const std::string where = position(source.file_for(path), value) + ": " + path + ": ";
    bool fits = true;
    switch (key.kind) {
    case value_kind::integer_list:
    case value_kind::string_list: {
        const value_kind element = key.kind == value_kind::integer_list ? value_kind::integer : value_kind::string;
        fits = value.IsSequence();
        for (std::size_t i = 0; fits && i < value.size(); ++i) fits = scalar_fits(value[i], element);
        break;
    }
    case value_kind::integer_tuple:
        fits = scalar_fits(value, value_kind::integer) || value.IsSequence();
        for (std::size_t i = 0; fits && value.IsSequence() && i < value.size(); ++i) {
            fits = scalar_fits(value[i], value_kind::integer);
        }
        break;
    case value_kind::mapping: fits = value.IsMap(); break;
    case value_kind::any: fits = true; break;
    default: fits = scalar_fits(value, key.kind);
    }
    if (!fits) throw config_error(where + "expected " + describe(key.kind) + ", found " + found_text(value));
    if (key.range && key.kind == value_kind::number && !key.range->contains(value.as<double>())) {
        throw config_error(where + "expected a number " + (std::isinf(key.range->high) ? "" : "in ") +
                           key.range->text() + ", found " + found_text(value));
    }
    if (!key.choices.empty()) {
        const std::string& text = value.Scalar();
        if (std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end()) {
            std::string list;
            for (const std::string& c : key.choices) list += (list.empty() ? "" : ", ") + c;
            const std::string hint = did_you_mean(text, key.choices);
            throw config_error(where + "'" + text + "' is not one of: " + list +
                               (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
        }
    }
}

YAML::Node check_keys(const YAML::Node& node, const std::vector<key_spec>& keys, const config_source& source,
                      const std::string& path)
{
    const std::string prefix = path.empty() ? "" : path + ".";
    const std::string& file = source.file_for(path);
    if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
        throw config_error(position(file, node) + ": " + (path.empty() ? "the file" : path) +
                           ": expected a mapping of keys, found " + found_text(node));
    }
    std::vector<std::string> names;
    for (const key_spec& k : keys) names.push_back(k.name);
    std::set<std::string> seen;
    if (node.IsMap()) {
        for (const auto& item : node) {
            const std::string name = item.first.Scalar();
            if (std::find(names.begin(), names.end(), name) == names.end()) {
                const std::string hint = did_you_mean(name, names);
                std::string list;
                for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
                // A key merged in from another file has no position of its own; its value's is next to it.
                const YAML::Node& at = item.first.Mark().is_null() ? item.second : item.first;
                throw config_error(position(source.file_for(prefix + name), at) + ": unknown key '" + prefix + name + "'" +
                                   (hint.empty() ? "" : " (did you mean '" + prefix + hint + "'?)") +
                                   "; known keys" + (path.empty() ? "" : " of " + path) + ": " + list);
            }
            if (!seen.insert(name).second) {
                throw config_error(position(source.file_for(prefix + name), item.first) + ": key '" + prefix + name +
                                   "' appears twice");
            }
        }
    }
    YAML::Node result(YAML::NodeType::Map);
    for (const key_spec& k : keys) {
        // A missing key of a const map is an invalid node that cannot be
        // rebound, so start from a fresh node and bind it when found.
        YAML::Node value;
        bool present = false;
        if (node.IsMap()) {
            const YAML::Node found = node[k.name];
            present = found.IsDefined();
            if (present) value.reset(found);
        }
        if (!k.scalar_shorthand.empty() && present && value.IsScalar()) {
            YAML::Node expanded(YAML::NodeType::Map);
            expanded[k.scalar_shorthand] = value;
            value.reset(expanded);  // reset rebinds; '=' would overwrite the file's node
        }
        if (!k.list_shorthand.empty() && present && value.IsSequence()) {
            YAML::Node expanded(YAML::NodeType::Map);
            expanded[k.list_shorthand] = value;
            value.reset(expanded);
        }
        if (k.kind == value_kind::mapping && !k.children.empty()) {
            if (k.optional_section && !present) continue;
            if (k.required && !present) {  // named itself, not by its first required child
                throw config_error(position(file, node) + ": " + (path.empty() ? "the file" : path) +
                                   ": missing required key '" + k.name + "' (" + k.doc + ")");
            }
            result[k.name] = check_keys(value, k.children, source, prefix + k.name);
            continue;
        }
        if (!present || (value.IsNull() && k.kind != value_kind::any)) {
            if (k.required) {
                throw config_error(position(file, node) + ": " + (path.empty() ? "the file" : path) +
                                   ": missing required key '" + k.name + "' (" + k.doc + ")");
            }
            if (k.default_value.empty()) continue;  // optional, and absent
            value.reset(YAML::Load(k.default_value));
            if (value.IsNull()) continue;  // a default of ~: optional, no value
        }
        check_value(value, k, source, prefix + k.name);
        result[k.name] = value;
    }
    return result;
}

}  // namespace mlrun
