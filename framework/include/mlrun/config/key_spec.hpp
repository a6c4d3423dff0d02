// One declared configuration key: its kind, default, documentation,
// choices and range. The tables of keys (experiment, layers, optimizers)
// drive parsing, validation, defaults and the generated reference; this
// header holds only the declarations, so it needs no YAML.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mlrun {

// integer_tuple: Keras's int-or-tuple settings (kernel_size: 3 or [3, 3]).
enum class value_kind { integer, number, boolean, string, integer_list, integer_tuple, string_list, mapping, any };

// The interval a number must lie in; an open end excludes its bound.
struct number_range {
    double low;
    bool low_open;
    double high;  // infinity: no upper bound
    bool high_open;

    bool contains(double v) const;
    std::string text() const;  // "[0, 1)", ">= 0", "> 0"
};

struct key_spec {
    std::string name;
    value_kind kind;
    std::string default_value;  // YAML text; ignored when required
    std::string doc;
    std::vector<std::string> choices = {};  // allowed strings, when not empty
    bool required = false;
    std::vector<key_spec> children = {};    // keys of a mapping, checked recursively
    std::string scalar_shorthand = {};      // a mapping given as a scalar fills this child
    // A mapping that stays out of the resolved experiment unless the file or
    // an override names it: its presence switches a feature on (callbacks).
    bool optional_section = false;
    std::optional<number_range> range = {};  // numbers only; none: any finite number
    std::string list_shorthand = {};         // a mapping given as a list fills this child (model: [...])
};

// `key` with `range` set, for tables written as aggregates.
key_spec with_range(key_spec key, number_range range);

}  // namespace mlrun
