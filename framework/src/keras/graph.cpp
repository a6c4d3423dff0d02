#include "mlrun/keras/graph.hpp"

namespace mlrun::keras {

std::string graph::name_of(const layer& l)
{
    return l.name.empty() ? namer_.next(class_name_of(l.options)) : l.name;
}

std::string graph::input(std::vector<std::int64_t> shape, std::string name)
{
    return add(keras::input(std::move(shape)).named(std::move(name)), {});
}

std::string graph::add(const layer& l, std::vector<std::string> inputs)
{
    model_layer entry;
    entry.layer = l;
    entry.layer.name = name_of(l);
    entry.inputs = std::move(inputs);
    spec_.layers.push_back(entry);
    return entry.layer.name;
}

}  // namespace mlrun::keras
