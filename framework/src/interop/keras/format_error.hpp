// The one error of the Keras translation: a file's model, compile settings
// or weight names that mlrun cannot read or write, with a message naming
// the object, the key or the tensor. Format plugins turn it into a status.
#pragma once

#include <stdexcept>

namespace mlrun::interop::keras {

struct format_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mlrun::interop::keras
