// Every layer and loss against finite differences.
//
// Each case builds a small model, computes the analytic gradient of the
// mean loss w.r.t. every weight by backward(), and compares it with the
// central difference (L(w + h) - L(w - h)) / 2h computed in float32.
// Tolerance: the difference quotient carries round-off of about
// eps_float * |L| / h ~ 1e-7 * 1 / 1e-3 = 1e-4 plus the O(h^2 * L''')
// truncation error (~1e-6 for these smooth, O(1) functions), so
// |analytic - numeric| <= 2e-3 + 2e-2 * |numeric| has a wide margin while
// still catching a wrong sign, factor or missing term (errors of order
// |gradient|). Weights whose perturbation moves a ReLU input across zero
// are skipped: the function has a kink there.
#define BOOST_TEST_MODULE gradients
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/losses/loss.hpp"
#include "support/test_models.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace mlrun;

namespace {

struct gradient_case {
    std::string label;
    std::string layers;  // YAML layer list
    loss_spec loss;
    bool integer_labels;
    int indices_below = 0;  // > 0: inputs are whole numbers in [0, indices_below) (Embedding)
};

std::ostream& operator<<(std::ostream& out, const gradient_case& c) { return out << c.label; }

loss_spec smoothed_logits()
{
    loss_spec l = loss_kind::categorical_crossentropy;
    l.from_logits = true;
    l.label_smoothing = 0.2f;
    return l;
}

loss_spec smoothed_binary()
{
    loss_spec l = loss_kind::binary_crossentropy;
    l.label_smoothing = 0.1f;
    return l;
}

const std::vector<gradient_case> cases = {
    {"dense softmax + sparse CE (fused)", "[{Dense: {units: 4, activation: softmax, input_shape: [5]}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"dense softmax + categorical CE (fused)", "[{Dense: {units: 4, activation: softmax, input_shape: [5]}}]",
     loss_kind::categorical_crossentropy, false},
    {"dense sigmoid + binary CE (fused)", "[{Dense: {units: 3, activation: sigmoid, input_shape: [5]}}]",
     loss_kind::binary_crossentropy, false},
    {"dense tanh + MSE", "[{Dense: {units: 3, activation: tanh, input_shape: [5]}}]", loss_kind::mean_squared_error,
     false},
    {"dense linear + MSE", "[{Dense: {units: 3, input_shape: [5]}}]", loss_kind::mean_squared_error, false},
    {"dense relu -> dense softmax", "[{Dense: {units: 6, activation: relu, input_shape: [5]}}, "
                                    "{Dense: {units: 4, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"dense sigmoid probabilities + categorical CE (unfused)",
     "[{Dense: {units: 6, activation: tanh, input_shape: [5]}}, {Dense: {units: 4, activation: sigmoid}}]",
     loss_kind::categorical_crossentropy, false},
    {"softmax probabilities + binary CE (unfused)",
     "[{Dense: {units: 6, activation: tanh, input_shape: [5]}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::binary_crossentropy, false},
    {"Activation layer softmax (fused)", "[{Dense: {units: 4, input_shape: [5]}}, {Activation: {activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"Activation tanh then sigmoid + MSE",
     "[{Dense: {units: 4, input_shape: [5]}}, {Activation: {activation: tanh}}, {Dense: {units: 2}}, "
     "{Activation: {activation: sigmoid}}]",
     loss_kind::mean_squared_error, false},
    {"smooth Keras 3 activations in Dense layers + MSE",
     "[{Dense: {units: 5, activation: gelu, input_shape: [5]}}, {Dense: {units: 5, activation: silu}},"
     " {Dense: {units: 5, activation: mish}}, {Dense: {units: 4, activation: gelu_tanh}},"
     " {Dense: {units: 3, activation: softplus}}]",
     loss_kind::mean_squared_error, false},
    {"Activation layers elu, softsign, exponential + MSE",
     "[{Dense: {units: 4, input_shape: [5]}}, {Activation: {activation: elu}}, {Dense: {units: 4}},"
     " {Activation: {activation: softsign}}, {Dense: {units: 2}}, {Activation: {activation: exponential}}]",
     loss_kind::mean_squared_error, false},
    {"linear logits + categorical CE from_logits with label smoothing",
     "[{Dense: {units: 4, activation: tanh, input_shape: [5]}}, {Dense: {units: 3}}]", smoothed_logits(), false},
    {"dense sigmoid + binary CE with label smoothing (fused)",
     "[{Dense: {units: 4, activation: tanh, input_shape: [5]}}, {Dense: {units: 3, activation: sigmoid}}]",
     smoothed_binary(), false},
    {"Flatten of a 2-D input", "[{Flatten: {input_shape: [2, 3]}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"Dropout at rate 0 is the identity in training",
     "[{Dense: {units: 6, activation: tanh, input_shape: [5]}}, {Dropout: {rate: 0.0}}, "
     "{Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"graph with Add and Concatenate branches",
     "[{name: in, Input: {shape: [5]}},"
     " {name: a, Dense: {units: 4, activation: tanh}, inputs: [in]},"
     " {name: b, Dense: {units: 4, activation: sigmoid}, inputs: [in]},"
     " {name: sum, Add: {}, inputs: [a, b]},"
     " {name: c, Dense: {units: 2, activation: tanh}, inputs: [a]},"
     " {name: joined, Concatenate: {}, inputs: [sum, c]},"
     " {name: out, Dense: {units: 3, activation: softmax}, inputs: [joined]}]",
     loss_kind::sparse_categorical_crossentropy, true},
    // Convolutional layers: each is followed by a layer with weights, so
    // its input gradient is checked through theirs.
    {"Conv2D strided same padding, then dilated Conv2D",
     "[{Conv2D: {filters: 3, kernel_size: 3, strides: 2, padding: same, activation: tanh, input_shape: [5, 6, 2]}},"
     " {Conv2D: {filters: 2, kernel_size: [2, 3], dilation_rate: [2, 1], activation: tanh}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"grouped Conv2D without bias, MaxPooling2D same",
     "[{Conv2D: {filters: 4, kernel_size: 2, groups: 2, use_bias: false, activation: tanh, input_shape: [5, 5, 4]}},"
     " {MaxPooling2D: {pool_size: 2, padding: same}}, {Conv2D: {filters: 2, kernel_size: 2}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D",
     "[{Conv1D: {filters: 3, kernel_size: 2, padding: same, activation: tanh, input_shape: [9, 2]}},"
     " {MaxPooling1D: {pool_size: 2, padding: same}}, {Conv1D: {filters: 3, kernel_size: 2}},"
     " {AveragePooling1D: {pool_size: 2}}, {Conv1D: {filters: 2, kernel_size: 1}},"
     " {GlobalAveragePooling1D: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"DepthwiseConv2D, AveragePooling2D same, SeparableConv2D, GlobalMaxPooling2D",
     "[{DepthwiseConv2D: {kernel_size: 2, depth_multiplier: 2, activation: tanh, input_shape: [6, 6, 2]}},"
     " {AveragePooling2D: {pool_size: 2, strides: 2, padding: same}},"
     " {SeparableConv2D: {filters: 3, kernel_size: 2, depth_multiplier: 2, activation: tanh}},"
     " {GlobalMaxPooling2D: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"Conv2DTranspose valid and same, BatchNormalization on images, LayerNormalization",
     "[{Conv2DTranspose: {filters: 2, kernel_size: 3, strides: 2, activation: tanh, input_shape: [2, 3, 2]}},"
     " {BatchNormalization: {}}, {Conv2DTranspose: {filters: 2, kernel_size: 2, strides: 2, padding: same}},"
     " {LayerNormalization: {}}, {GlobalAveragePooling2D: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    // Reshaping layers between layers with weights, so the gradient they
    // pass back is checked through the weights before them.
    {"Reshape with -1, Permute, ZeroPadding2D, Cropping2D",
     "[{Conv2D: {filters: 2, kernel_size: 1, activation: tanh, input_shape: [4, 3, 2]}},"
     " {Reshape: {target_shape: [3, -1, 2]}}, {Permute: {dims: [2, 1, 3]}},"
     " {ZeroPadding2D: {padding: [[1, 0], [2, 1]]}}, {Cropping2D: {cropping: [[0, 1], [1, 0]]}},"
     " {Conv2D: {filters: 2, kernel_size: 2, activation: tanh}}, {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"UpSampling2D nearest and bilinear",
     "[{Conv2D: {filters: 2, kernel_size: 1, activation: tanh, input_shape: [3, 2, 2]}},"
     " {UpSampling2D: {size: [2, 3]}}, {Conv2D: {filters: 2, kernel_size: 2, activation: tanh}},"
     " {UpSampling2D: {size: 2, interpolation: bilinear}}, {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    // SpatialDropout2D at 0.5 in training: every evaluation uses the same
    // step seed, so the same channels are dropped and the loss is smooth.
    {"ELU, ReLU with its settings, PReLU per channel, SpatialDropout2D",
     "[{Conv2D: {filters: 3, kernel_size: 1, input_shape: [3, 3, 2]}}, {ELU: {alpha: 0.7}},"
     " {Conv2D: {filters: 3, kernel_size: 1}}, {ReLU: {max_value: 0.9, negative_slope: 0.2, threshold: 0.1}},"
     " {Conv2D: {filters: 4, kernel_size: 1}}, {PReLU: {alpha_initializer: random_uniform, shared_axes: [1, 2]}},"
     " {SpatialDropout2D: {rate: 0.5}}, {Conv2D: {filters: 2, kernel_size: 2}}, {Flatten: {}},"
     " {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true},
    {"PReLU with one alpha per cell, then log_softmax + MSE",
     "[{Dense: {units: 5, input_shape: [4]}}, {PReLU: {alpha_initializer: random_uniform}},"
     " {Dense: {units: 4, activation: log_softmax}}, {Dense: {units: 3}}, {Activation: {activation: log_softmax}}]",
     loss_kind::mean_squared_error, false},
    {"Embedding of integer inputs",
     "[{Embedding: {input_dim: 6, output_dim: 3, input_shape: [4]}}, {Flatten: {}},"
     " {Dense: {units: 3, activation: softmax}}]",
     loss_kind::sparse_categorical_crossentropy, true, 6},
};

constexpr std::int64_t batch = 3;
constexpr float step = 1e-3f;

// The sign of every ReLU input: a difference quotient is only valid when
// w + h and w - h leave it unchanged (no kink in between).
std::vector<bool> relu_pattern(const model& m)
{
    std::vector<bool> pattern;
    for (const model::node& n : m.nodes()) {
        if (n.op->output_activation() != activation_kind::relu) continue;
        const tensor* z = n.op->preactivation();
        for (std::int64_t i = 0; i < z->size(); ++i) pattern.push_back(z->f32()[i] > 0.0f);
    }
    return pattern;
}

tensor make_targets(const gradient_case& c, const shape& output, rng& gen)
{
    const std::int64_t width = output.element_count();
    if (c.integer_labels) {
        tensor t(dtype::int32, {batch});
        for (std::int64_t i = 0; i < batch; ++i) t.data<std::int32_t>()[i] = static_cast<std::int32_t>(gen.below(width));
        return t;
    }
    tensor t(output.with_batch(batch));
    for (std::int64_t r = 0; r < batch; ++r) {
        float total = 0.0f;
        for (std::int64_t k = 0; k < width; ++k) total += (t.f32()[r * width + k] = gen.uniform(0.05f, 1.0f));
        // Categorical targets are distributions; the others are values in (0, 1).
        if (c.loss.kind == loss_kind::categorical_crossentropy) {
            for (std::int64_t k = 0; k < width; ++k) t.f32()[r * width + k] /= total;
        }
    }
    return t;
}

}  // namespace

BOOST_DATA_TEST_CASE(analytic_gradients_match_finite_differences, boost::unit_test::data::make(cases), c)
{
    rng gen(7);
    auto m = testing::model_from_yaml(c.layers, 3);
    backend be;
    loss_function loss(c.loss);
    loss.attach(*m);
    tensor x = testing::random_tensor(m->input_shape().with_batch(batch), gen);
    if (c.indices_below > 0) {
        for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = std::min(std::floor((x.f32()[i] + 1.0f) / 2.0f * c.indices_below), c.indices_below - 1.0f);
    }
    const tensor targets = make_targets(c, m->output_shape(), gen);

    auto mean_loss = [&](bool gradient) {
        const tensor& out = m->forward(be, x, true, 11);
        return loss.compute(be, *m, out, targets, gradient) / batch;
    };
    mean_loss(true);
    m->backward(be);

    int checked = 0;
    for (parameter* p : m->parameters()) {
        const tensor analytic = p->grad;
        for (std::int64_t i = 0; i < p->value.size(); ++i) {
            float& w = p->value.f32()[i];
            const float saved = w;
            w = saved + step;
            const double up = mean_loss(false);
            const std::vector<bool> up_pattern = relu_pattern(*m);
            w = saved - step;
            const double down = mean_loss(false);
            w = saved;
            if (relu_pattern(*m) != up_pattern) continue;  // crossed a kink
            const double numeric = (up - down) / (2.0 * step);
            const double got = analytic.f32()[i];
            BOOST_TEST(std::fabs(got - numeric) <= 2e-3 + 2e-2 * std::fabs(numeric),
                       c.label << ": " << p->name << "[" << i << "] analytic " << got << " numeric " << numeric);
            ++checked;
        }
    }
    BOOST_TEST(checked > 0);
}

// The dropout gradient passes exactly through the kept units, scaled.
BOOST_AUTO_TEST_CASE(dropout_backward_uses_the_forward_mask)
{
    auto m = testing::model_of({keras::dense(8), keras::dropout(0.5f)}, {4});
    backend be;
    rng gen(5);
    const tensor x = testing::random_tensor({16, 4}, gen);
    const tensor& out = m->forward(be, x, true, 99);
    const tensor& before = m->nodes()[1].output;
    int dropped = 0;
    int kept = 0;
    for (std::int64_t i = 0; i < out.size(); ++i) {
        if (out.f32()[i] == 0.0f) {
            ++dropped;
        } else {
            BOOST_TEST(out.f32()[i] == before.f32()[i] * 2.0f);  // 1 / (1 - 0.5), exact in binary
            ++kept;
        }
    }
    BOOST_TEST(dropped > 30);  // 128 units at rate 0.5: 64 expected, 30 is > 5 deviations below
    BOOST_TEST(kept > 30);
    // Inference is the identity.
    const tensor& inference = m->forward(be, x, false, 99);
    for (std::int64_t i = 0; i < inference.size(); ++i) BOOST_TEST(inference.f32()[i] == before.f32()[i]);
}
