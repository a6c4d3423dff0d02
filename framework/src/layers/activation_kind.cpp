#include "mlrun/layers/activation_kind.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"

namespace mlrun {
namespace {

struct named_activation {
    const char* name;
    activation_kind kind;
};

constexpr named_activation known[] = {
    {"linear", activation_kind::linear},   {"relu", activation_kind::relu},
    {"sigmoid", activation_kind::sigmoid}, {"tanh", activation_kind::tanh},
    {"softmax", activation_kind::softmax},
};

mlrun_activation elementwise_code(activation_kind kind)
{
    switch (kind) {
    case activation_kind::relu: return MLRUN_ACTIVATION_RELU;
    case activation_kind::sigmoid: return MLRUN_ACTIVATION_SIGMOID;
    case activation_kind::tanh: return MLRUN_ACTIVATION_TANH;
    default: return MLRUN_ACTIVATION_LINEAR;
    }
}

}  // namespace

activation_kind parse_activation(const std::string& name)
{
    for (const auto& a : known) {
        if (name == a.name) return a.kind;
    }
    std::string list;
    for (const auto& a : known) list += std::string(list.empty() ? "" : ", ") + a.name;
    throw config_error("unknown activation '" + name + "'; known: " + list);
}

std::string activation_name(activation_kind kind)
{
    for (const auto& a : known) {
        if (a.kind == kind) return a.name;
    }
    return "linear";
}

std::vector<std::string> activation_names()
{
    std::vector<std::string> names;
    for (const auto& a : known) names.emplace_back(a.name);
    return names;
}

void apply_activation(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols, const float* x,
                      float* y)
{
    if (kind == activation_kind::softmax) {
        be.softmax_forward(rows, cols, x, y);
    } else if (kind != activation_kind::linear || x != y) {
        be.activation_forward(elementwise_code(kind), rows * cols, x, y);
    }
}

void apply_activation_gradient(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols,
                               const float* y, const float* dy, float* dx)
{
    if (kind == activation_kind::softmax) {
        be.softmax_backward(rows, cols, y, dy, dx);
    } else if (kind != activation_kind::linear || dy != dx) {
        be.activation_backward(elementwise_code(kind), rows * cols, y, dy, dx);
    }
}

}  // namespace mlrun
