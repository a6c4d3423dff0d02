#include "activation_nodes.hpp"

#include "node_settings.hpp"

#include "mlrun/backend/activation_constants.hpp"

#include <cmath>

namespace mlrun::onnx_format {
namespace {

using namespace activation_constants;

struct activation_builder {
    graph_context& graph;
    const layer_entry& layer;
    const std::string& x;
    const std::string& output;

    std::string scalar(const std::string& what, float value) const
    {
        return graph.constant(graph.fresh(layer, what), {}, {value});
    }
    // An elementwise node; `last` writes the activation's output.
    std::string op(const std::string& type, const std::vector<std::string>& inputs, bool last = false) const
    {
        const std::string out = last ? output : graph.fresh(layer, type);
        graph.node(type, layer, inputs, out);
        return out;
    }
    onnx::NodeProto& single(const std::string& type) const { return graph.node(type, layer, {x}, output); }
};

using activation_export = void (*)(const activation_builder&);

// 0.5 x (1 + erf(x / sqrt(2)))
void gelu(const activation_builder& b)
{
    const std::string scaled = b.op("Div", {b.x, b.scalar("sqrt_2", std::sqrt(2.0f))});
    const std::string erf = b.op("Erf", {scaled});
    const std::string shifted = b.op("Add", {erf, b.scalar("one", 1.0f)});
    const std::string half_x = b.op("Mul", {b.x, b.scalar("half", 0.5f)});
    b.op("Mul", {half_x, shifted}, true);
}

// 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
void gelu_tanh(const activation_builder& b)
{
    const std::string square = b.op("Mul", {b.x, b.x});
    const std::string cube = b.op("Mul", {square, b.x});
    const std::string term = b.op("Mul", {cube, b.scalar("coefficient", gelu_tanh_coefficient)});
    const std::string inner = b.op("Add", {b.x, term});
    const std::string scaled = b.op("Mul", {inner, b.scalar("sqrt_2_over_pi", static_cast<float>(std::sqrt(2.0 / pi)))});
    const std::string tanh = b.op("Tanh", {scaled});
    const std::string shifted = b.op("Add", {tanh, b.scalar("one", 1.0f)});
    const std::string half_x = b.op("Mul", {b.x, b.scalar("half", 0.5f)});
    b.op("Mul", {half_x, shifted}, true);
}

// x sigmoid(x)
void silu(const activation_builder& b) { b.op("Mul", {b.x, b.op("Sigmoid", {b.x})}, true); }

// x tanh(softplus(x))
void mish(const activation_builder& b) { b.op("Mul", {b.x, b.op("Tanh", {b.op("Softplus", {b.x})})}, true); }

void relu6(const activation_builder& b) { b.op("Clip", {b.x, b.scalar("zero", 0.0f), b.scalar("six", 6.0f)}, true); }

void selu(const activation_builder& b)
{
    onnx::NodeProto& n = b.single("Selu");
    set_float(n, "alpha", selu_alpha);
    set_float(n, "gamma", selu_scale);
}

void leaky_relu(const activation_builder& b) { set_float(b.single("LeakyRelu"), "alpha", leaky_relu_slope); }

// relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)
void hard_sigmoid(const activation_builder& b)
{
    onnx::NodeProto& n = b.single("HardSigmoid");
    set_float(n, "alpha", 1.0f / 6.0f);
    set_float(n, "beta", 0.5f);
}

void elu(const activation_builder& b) { set_float(b.single("Elu"), "alpha", 1.0f); }
void softmax(const activation_builder& b) { set_int(b.single("Softmax"), "axis", -1); }
void log_softmax(const activation_builder& b) { set_int(b.single("LogSoftmax"), "axis", -1); }

template <const char* Op>
void single_op(const activation_builder& b)
{
    b.single(Op);
}

constexpr char identity_op[] = "Identity";
constexpr char relu_op[] = "Relu";
constexpr char sigmoid_op[] = "Sigmoid";
constexpr char tanh_op[] = "Tanh";
constexpr char softplus_op[] = "Softplus";
constexpr char softsign_op[] = "Softsign";
constexpr char exp_op[] = "Exp";

const std::map<std::string, activation_export>& activations()
{
    static const std::map<std::string, activation_export> table = {
        {"linear", single_op<identity_op>},
        {"relu", single_op<relu_op>},
        {"sigmoid", single_op<sigmoid_op>},
        {"tanh", single_op<tanh_op>},
        {"softmax", softmax},
        {"elu", elu},
        {"selu", selu},
        {"gelu", gelu},
        {"gelu_tanh", gelu_tanh},
        {"leaky_relu", leaky_relu},
        {"relu6", relu6},
        {"silu", silu},
        {"swish", silu},
        {"softplus", single_op<softplus_op>},
        {"softsign", single_op<softsign_op>},
        {"hard_sigmoid", hard_sigmoid},
        {"exponential", single_op<exp_op>},
        {"mish", mish},
        {"log_softmax", log_softmax},
    };
    return table;
}

}  // namespace

void activation_node(graph_context& graph, const layer_entry& layer, const std::string& name,
                     const std::string& input, const std::string& output)
{
    const auto it = activations().find(name);
    if (it == activations().end()) {
        std::string known;
        for (const auto& [n, op] : activations()) known += (known.empty() ? "" : ", ") + n;
        throw format_error(graph.where(layer) + ": activation '" + name + "' has no ONNX mapping; exportable: " + known);
    }
    it->second(activation_builder{graph, layer, input, output});
}

}  // namespace mlrun::onnx_format
