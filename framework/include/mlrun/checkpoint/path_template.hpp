// A checkpoint path with fields filled in when it is saved, in Python's
// format syntax as Keras's ModelCheckpoint takes it:
//   training_2/cp-{epoch:04d}.ckpt     weights.{epoch:02d}-{val_loss:.2f}.ckpt
// A field is {name} or {name:spec}; spec is [0][width][.precision][d|f|e|g].
// {{ and }} stand for braces.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace mlrun {

struct template_value {
    double value = 0.0;
    bool integer = false;  // epoch, batch, step: formatted without decimals
};

class path_template {
public:
    // Throws config_error starting with `where` on a malformed template.
    path_template(std::string text, std::string where);

    const std::string& text() const { return text_; }
    // The field names, in order of appearance (with repeats).
    std::vector<std::string> fields() const;

    // The path with every field filled in. Throws config_error naming the
    // field when `values` lacks it or its spec does not fit the value.
    std::string format(const std::map<std::string, template_value>& values) const;

    // Whether `file_name` is a name the template's last path component
    // can produce: its literal text, each field a formatted number. A name
    // with a '/' or a ".." never is.
    bool makes_file_name(const std::string& file_name) const;

private:
    struct piece {
        bool field = false;
        std::string text;  // literal text, or the field's name
        std::string spec;
    };
    std::string text_;
    std::string where_;
    std::vector<piece> pieces_;
};

}  // namespace mlrun
