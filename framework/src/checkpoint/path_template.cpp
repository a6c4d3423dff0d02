#include "mlrun/checkpoint/path_template.hpp"

#include "mlrun/core/error.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <regex>

namespace mlrun {
namespace {

struct format_spec {
    bool zero_pad = false;
    int width = 0;
    int precision = -1;
    char type = '\0';
};

bool parse_spec(const std::string& spec, format_spec& out)
{
    std::size_t i = 0;
    auto digits = [&] {
        int value = 0;
        const std::size_t start = i;
        while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i])) && i - start < 3) value = value * 10 + (spec[i++] - '0');
        return i > start ? value : -1;
    };
    if (i < spec.size() && spec[i] == '0') {
        out.zero_pad = true;
        ++i;
    }
    const int width = digits();
    if (width >= 0) out.width = width;
    if (i < spec.size() && spec[i] == '.') {
        ++i;
        out.precision = digits();
        if (out.precision < 0) return false;
    }
    if (i < spec.size() && std::string("dfeg").find(spec[i]) != std::string::npos) out.type = spec[i++];
    return i == spec.size();
}

// Python's repr of a float (no spec given).
std::string shortest(double value)
{
    char text[64];
    const auto result = std::to_chars(text, text + sizeof text, value);
    std::string s(text, result.ptr);
    if (s.find_first_of(".eni") == std::string::npos) s += ".0";
    return s;
}

std::string regex_escaped(const std::string& literal)
{
    std::string out;
    for (const char c : literal) {
        if (std::string(R"(\^$.|?*+()[]{})").find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

path_template::path_template(std::string text, std::string where) : text_(std::move(text)), where_(std::move(where))
{
    const std::string prefix = where_ + ": '" + text_ + "': ";
    std::string literal;
    for (std::size_t i = 0; i < text_.size(); ++i) {
        const char c = text_[i];
        if ((c == '{' || c == '}') && i + 1 < text_.size() && text_[i + 1] == c) {
            literal += c;
            ++i;
            continue;
        }
        if (c == '}') throw config_error(prefix + "a '}' without its '{' (write }} for a brace)");
        if (c != '{') {
            literal += c;
            continue;
        }
        const std::size_t close = text_.find('}', i);
        if (close == std::string::npos) throw config_error(prefix + "a '{' without its '}' (write {{ for a brace)");
        const std::string body = text_.substr(i + 1, close - i - 1);
        const std::size_t colon = body.find(':');
        piece field{true, body.substr(0, colon), colon == std::string::npos ? "" : body.substr(colon + 1)};
        format_spec spec;
        if (field.text.empty()) throw config_error(prefix + "a field needs a name, e.g. {epoch:04d}");
        if (!parse_spec(field.spec, spec)) {
            throw config_error(prefix + "field {" + body + "}: unsupported format '" + field.spec +
                               "'; use [0][width][.precision][d|f|e|g], e.g. 04d or .2f");
        }
        if (!literal.empty()) pieces_.push_back({false, literal, ""});
        literal.clear();
        pieces_.push_back(field);
        i = close;
    }
    if (!literal.empty()) pieces_.push_back({false, literal, ""});
}

std::vector<std::string> path_template::fields() const
{
    std::vector<std::string> names;
    for (const piece& p : pieces_) {
        if (p.field) names.push_back(p.text);
    }
    return names;
}

std::string path_template::format(const std::map<std::string, template_value>& values) const
{
    std::string out;
    for (const piece& p : pieces_) {
        if (!p.field) {
            out += p.text;
            continue;
        }
        const auto found = values.find(p.text);
        if (found == values.end()) {
            std::string known;
            for (const auto& [name, value] : values) known += (known.empty() ? "" : ", ") + name;
            throw config_error(where_ + ": '" + text_ + "': no value for {" + p.text + "}; available: " + known);
        }
        const template_value& v = found->second;
        format_spec spec;
        parse_spec(p.spec, spec);
        char type = spec.type;
        if (type == 'd' && !v.integer) {
            throw config_error(where_ + ": '" + text_ + "': {" + p.text + ":" + p.spec + "} formats a whole number, but " +
                               p.text + " has decimals; use e.g. {" + p.text + ":.4f}");
        }
        std::string body;
        char buffer[2048];  // fits any double at the largest precision the spec allows (999)
        if (type == '\0' && v.integer) type = 'd';
        if (type == 'd') {
            std::snprintf(buffer, sizeof buffer, "%lld", static_cast<long long>(v.value));
            body = buffer;
        } else if (type == '\0' && spec.precision < 0) {
            body = shortest(v.value);
        } else {
            const int precision = spec.precision < 0 ? 6 : spec.precision;
            if (type == 'f') std::snprintf(buffer, sizeof buffer, "%.*f", precision, v.value);
            else if (type == 'e') std::snprintf(buffer, sizeof buffer, "%.*e", precision, v.value);
            else std::snprintf(buffer, sizeof buffer, "%.*g", precision, v.value);
            body = buffer;
        }
        if (static_cast<int>(body.size()) < spec.width) {
            const std::size_t pad = static_cast<std::size_t>(spec.width) - body.size();
            if (spec.zero_pad) {
                const std::size_t sign = !body.empty() && body[0] == '-' ? 1 : 0;
                body.insert(sign, pad, '0');
            } else {
                body.insert(0, pad, ' ');  // numbers align right, as in Python
            }
        }
        out += body;
    }
    return out;
}

bool path_template::makes_file_name(const std::string& file_name) const
{
    if (file_name.empty() || file_name.find('/') != std::string::npos || file_name.find("..") != std::string::npos) return false;
    // Only the pieces after the last '/' name the file; fields never hold one.
    std::string pattern;
    for (const piece& p : pieces_) {
        if (p.field) {
            pattern += "[-+ .0-9a-z]+";  // whatever format() writes for a number: digits, sign, point, e, nan, inf
            continue;
        }
        const std::size_t slash = p.text.rfind('/');
        if (slash != std::string::npos) pattern.clear();
        pattern += regex_escaped(slash == std::string::npos ? p.text : p.text.substr(slash + 1));
    }
    return std::regex_match(file_name, std::regex(pattern));
}

}  // namespace mlrun
