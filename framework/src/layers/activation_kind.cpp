#include "mlrun/layers/activation_kind.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun {
namespace {

struct named_activation {
    const char* name;
    activation_kind kind;
};

constexpr named_activation known[] = {
    {"linear", activation_kind::linear},   {"relu", activation_kind::relu},
    {"sigmoid", activation_kind::sigmoid}, {"tanh", activation_kind::tanh},
    {"softmax", activation_kind::softmax}, {"elu", activation_kind::elu},
    {"selu", activation_kind::selu},       {"gelu", activation_kind::gelu},
    {"gelu_tanh", activation_kind::gelu_tanh}, {"leaky_relu", activation_kind::leaky_relu},
    {"relu6", activation_kind::relu6},     {"silu", activation_kind::silu},
    {"swish", activation_kind::silu},      {"softplus", activation_kind::softplus},
    {"softsign", activation_kind::softsign}, {"hard_sigmoid", activation_kind::hard_sigmoid},
    {"exponential", activation_kind::exponential}, {"mish", activation_kind::mish},
    {"log_softmax", activation_kind::log_softmax}, {"hard_sigmoid_keras2", activation_kind::hard_sigmoid_keras2},
};

mlrun_activation elementwise_code(activation_kind kind)
{
    switch (kind) {
    case activation_kind::relu: return MLRUN_ACTIVATION_RELU;
    case activation_kind::sigmoid: return MLRUN_ACTIVATION_SIGMOID;
    case activation_kind::tanh: return MLRUN_ACTIVATION_TANH;
    case activation_kind::elu: return MLRUN_ACTIVATION_ELU;
    case activation_kind::selu: return MLRUN_ACTIVATION_SELU;
    case activation_kind::gelu: return MLRUN_ACTIVATION_GELU;
    case activation_kind::gelu_tanh: return MLRUN_ACTIVATION_GELU_TANH;
    case activation_kind::leaky_relu: return MLRUN_ACTIVATION_LEAKY_RELU;
    case activation_kind::relu6: return MLRUN_ACTIVATION_RELU6;
    case activation_kind::silu: return MLRUN_ACTIVATION_SILU;
    case activation_kind::softplus: return MLRUN_ACTIVATION_SOFTPLUS;
    case activation_kind::softsign: return MLRUN_ACTIVATION_SOFTSIGN;
    case activation_kind::hard_sigmoid: return MLRUN_ACTIVATION_HARD_SIGMOID;
    case activation_kind::exponential: return MLRUN_ACTIVATION_EXPONENTIAL;
    case activation_kind::mish: return MLRUN_ACTIVATION_MISH;
    default: return MLRUN_ACTIVATION_LINEAR;
    }
}

// The ABI's backward reads y = f(x) for the first codes and x from ELU on.
bool gradient_reads_input(mlrun_activation code) { return code >= MLRUN_ACTIVATION_ELU; }

// log_softmax has no backend kernel; rows are short (the classes), so it
// runs here. Subtracting the row's largest value keeps exp() finite.
void log_softmax_forward(std::int64_t rows, std::int64_t cols, const float* x, float* y)
{
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* in = x + r * cols;
        float* out = y + r * cols;
        const float top = *std::max_element(in, in + cols);
        double total = 0.0;
        for (std::int64_t c = 0; c < cols; ++c) total += std::exp(static_cast<double>(in[c] - top));
        // (x - top) first: exact for nearby values, so a large top costs nothing.
        const double log_total = std::log(total);
        for (std::int64_t c = 0; c < cols; ++c) {
            out[c] = static_cast<float>(static_cast<double>(in[c] - top) - log_total);
        }
    }
}

// dx = dy - softmax(x) * sum(dy), with softmax(x) = exp(y).
void log_softmax_backward(std::int64_t rows, std::int64_t cols, const float* y, const float* dy, float* dx)
{
    for (std::int64_t r = 0; r < rows; ++r) {
        double total = 0.0;
        for (std::int64_t c = 0; c < cols; ++c) total += dy[r * cols + c];
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::int64_t i = r * cols + c;
            dx[i] = static_cast<float>(dy[i] - std::exp(static_cast<double>(y[i])) * total);
        }
    }
}

// Keras 2's hard_sigmoid has no backend kernel (the ABI's is Keras 3's);
// it is one multiply-add and a clip, so it runs here.
void hard_sigmoid_keras2_forward(std::int64_t n, const float* x, float* y)
{
    for (std::int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(0.2f * x[i] + 0.5f, 0.0f), 1.0f);
}

// dx = dy * 0.2 inside (-2.5, 2.5), 0 outside and at the kinks (as the
// reference backend takes hard_sigmoid's kinks).
void hard_sigmoid_keras2_backward(std::int64_t n, const float* x, const float* dy, float* dx)
{
    for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > -2.5f && x[i] < 2.5f ? 0.2f * dy[i] : 0.0f;
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
    } else if (kind == activation_kind::log_softmax) {
        log_softmax_forward(rows, cols, x, y);
    } else if (kind == activation_kind::hard_sigmoid_keras2) {
        hard_sigmoid_keras2_forward(rows * cols, x, y);
    } else if (kind != activation_kind::linear || x != y) {
        be.activation_forward(elementwise_code(kind), rows * cols, x, y);
    }
}

void apply_activation_gradient(backend& be, activation_kind kind, std::int64_t rows, std::int64_t cols,
                               const float* x, const float* y, const float* dy, float* dx)
{
    if (kind == activation_kind::softmax) {
        be.softmax_backward(rows, cols, y, dy, dx);
    } else if (kind == activation_kind::log_softmax) {
        log_softmax_backward(rows, cols, y, dy, dx);
    } else if (kind == activation_kind::hard_sigmoid_keras2) {
        hard_sigmoid_keras2_backward(rows * cols, x, dy, dx);
    } else if (kind != activation_kind::linear || dy != dx) {
        const mlrun_activation code = elementwise_code(kind);
        be.activation_backward(code, rows * cols, gradient_reads_input(code) ? x : y, dy, dx);
    }
}

}  // namespace mlrun
