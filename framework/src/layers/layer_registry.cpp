#include "mlrun/layers/layer_registry.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/layers/activation_layer.hpp"
#include "mlrun/layers/batch_normalization.hpp"
#include "mlrun/layers/dense.hpp"
#include "mlrun/layers/dropout.hpp"
#include "mlrun/layers/structural_layers.hpp"

#include <cctype>

namespace mlrun {

const std::vector<layer_class>& layer_classes()
{
    static const std::vector<layer_class> classes = {
        input_layer::description(),   dense_layer::description(), dropout_layer::description(),
        activation_layer::description(), flatten_layer::description(), add_layer::description(),
        concatenate_layer::description(), batch_normalization_layer::description(),
    };
    return classes;
}

const layer_class& find_layer_class(const std::string& class_name, const std::string& where)
{
    std::vector<std::string> names;
    for (const layer_class& c : layer_classes()) {
        if (c.name == class_name) return c;
        names.push_back(c.name);
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string hint = did_you_mean(class_name, names);
    throw config_error(where + ": unknown layer class '" + class_name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + list);
}

std::string default_layer_name(const std::string& class_name, int index)
{
    std::string snake;
    for (std::size_t i = 0; i < class_name.size(); ++i) {
        const char c = class_name[i];
        if (std::isupper(static_cast<unsigned char>(c)) && i > 0) snake += '_';
        snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return index == 0 ? snake : snake + "_" + std::to_string(index);
}

}  // namespace mlrun
