// Regularizers, constraints, frozen layers, validation_split, class and
// sample weights: their gradients against finite differences, their values
// against Keras's formulas (and TensorFlow.js where node has it), and the
// fit loop's use of them against the runs they must equal.
#define BOOST_TEST_MODULE regularization
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "mlrun/keras.hpp"

#include "support/tfjs_oracle.hpp"
#include "support/run_command.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/weight_penalties.hpp"
#include "mlrun/model/model_spec.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

bool same_bytes(const tensor& a, const tensor& b)
{
    return a.type() == b.type() && a.dims() == b.dims() && std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class Error>
std::string error_of(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    BOOST_FAIL("expected an error");
    return "";
}

// `n` samples of 8 features, labels i % 3.
dataset toy_data(std::int64_t n = 40)
{
    rng gen(7);
    dataset d;
    d.name = "toy";
    d.x = random_tensor({n, 8}, gen);
    d.y = tensor(dtype::int32, {n});
    for (std::int64_t i = 0; i < n; ++i) d.y.data<std::int32_t>()[i] = static_cast<std::int32_t>(i % 3);
    return d;
}

dataset rows_of(const dataset& d, const std::vector<std::int64_t>& rows, const std::string& name)
{
    dataset part;
    part.name = name;
    const std::int64_t width = d.x.size() / d.x.dims()[0];
    part.x = tensor({static_cast<std::int64_t>(rows.size()), width});
    part.y = tensor(dtype::int32, {static_cast<std::int64_t>(rows.size())});
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::memcpy(part.x.f32() + static_cast<std::int64_t>(i) * width, d.x.f32() + rows[i] * width,
                    static_cast<std::size_t>(width) * sizeof(float));
        part.y.data<std::int32_t>()[i] = d.y.data<std::int32_t>()[rows[i]];
    }
    return part;
}

std::vector<std::int64_t> range(std::int64_t begin, std::int64_t end)
{
    std::vector<std::int64_t> r;
    for (std::int64_t i = begin; i < end; ++i) r.push_back(i);
    return r;
}

keras::fit_arguments quiet(int epochs, std::int64_t batch_size = 8)
{
    keras::fit_arguments a;
    a.epochs = epochs;
    a.batch_size = batch_size;
    a.verbose = 0;
    return a;
}

// ---- gradients against finite differences

struct gradient_case {
    std::string label;
    std::string layers;
};

std::ostream& operator<<(std::ostream& out, const gradient_case& c) { return out << c.label; }

const std::vector<gradient_case> cases = {
    {"Dense kernel l1_l2, bias l2, activity l2; output activity l1 (unfused softmax)",
     "[{Dense: {units: 5, activation: tanh, input_shape: [4], bias_initializer: random_uniform,"
     " kernel_regularizer: {class: l1_l2, l1: 0.01, l2: 0.02}, bias_regularizer: {class: l2, l2: 0.05},"
     " activity_regularizer: {class: l2, l2: 0.03}}},"
     " {Dense: {units: 3, activation: softmax, kernel_regularizer: l2, activity_regularizer: {class: l1, l1: 0.02}}}]"},
    {"Conv2D, Conv1D and Conv2DTranspose kernels and activities",
     "[{Conv2D: {filters: 2, kernel_size: 2, activation: tanh, input_shape: [4, 4, 2],"
     " kernel_regularizer: {class: l2, l2: 0.05}, bias_regularizer: l2, activity_regularizer: {class: l2, l2: 0.02}}},"
     " {Conv2DTranspose: {filters: 2, kernel_size: 2, kernel_regularizer: {class: l1, l1: 0.01}}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax, kernel_regularizer: {class: l2, l2: 0.1}}}]"},
    {"Conv1D with l1_l2 kernel and activity",
     "[{Conv1D: {filters: 3, kernel_size: 2, activation: tanh, input_shape: [5, 2],"
     " kernel_regularizer: l1_l2, activity_regularizer: {class: l1_l2, l1: 0.001, l2: 0.01}}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]"},
    // Skips weights within 2h of zero, so beta (zeros) and alpha (zeros) are checked through
    // their l2 terms only after the first layers move their inputs: the kernels carry the test.
    {"DepthwiseConv2D, SeparableConv2D, LayerNormalization and PReLU weights",
     "[{DepthwiseConv2D: {kernel_size: 2, activation: tanh, input_shape: [4, 4, 2], bias_initializer: random_uniform,"
     " depthwise_regularizer: {class: l1_l2, l1: 0.01, l2: 0.05}, bias_regularizer: {class: l2, l2: 0.1},"
     " activity_regularizer: {class: l2, l2: 0.02}}},"
     " {SeparableConv2D: {filters: 2, kernel_size: 2, depthwise_regularizer: {class: l1, l1: 0.01},"
     " pointwise_regularizer: {class: l2, l2: 0.03}}},"
     " {LayerNormalization: {gamma_regularizer: {class: l2, l2: 0.1}, beta_regularizer: {class: l2, l2: 0.2}}},"
     " {PReLU: {alpha_initializer: ones, alpha_regularizer: {class: l2, l2: 0.05}}},"
     " {Flatten: {}}, {Dense: {units: 3, activation: softmax}}]"},
};

constexpr std::int64_t batch = 3;
constexpr float step = 1e-3f;

}  // namespace

// The objective is the mean loss plus the regularization; its analytic
// gradient (backward() plus the weight penalties' gradients) must match
// the central difference. Tolerance as in gradient_test.cpp: round-off of
// the quotient ~ eps_float * |J| / h ~ 1e-4, truncation ~1e-6, so 2e-3 +
// 2e-2 * |numeric| catches a wrong sign, factor (the 2 of l2) or a missing
// term (the 1 / batch of activity penalties). Weights within 2h of zero
// are skipped where an l1 term has its kink there.
BOOST_DATA_TEST_CASE(regularized_gradients_match_finite_differences, boost::unit_test::data::make(cases), c)
{
    rng gen(7);
    auto m = model_from_yaml(c.layers, 3);
    backend be;
    loss_function loss(loss_kind::sparse_categorical_crossentropy);
    loss.attach(*m);
    const tensor x = random_tensor(m->input_shape().with_batch(batch), gen);
    tensor labels(dtype::int32, {batch});
    for (std::int64_t i = 0; i < batch; ++i) labels.data<std::int32_t>()[i] = static_cast<std::int32_t>(i % 3);
    BOOST_TEST(m->has_regularization());

    auto objective = [&](bool gradient) {
        const tensor& out = m->forward(be, x, true, 11);
        return loss.compute(be, *m, out, labels, gradient) / batch + m->regularization_loss();
    };
    objective(true);
    m->backward(be);
    m->add_regularization_gradients();

    int checked = 0;
    for (parameter* p : m->parameters()) {
        const tensor analytic = p->grad;
        for (std::int64_t i = 0; i < p->value.size(); ++i) {
            float& w = p->value.f32()[i];
            if (std::fabs(w) < 2 * step) continue;
            const float saved = w;
            w = saved + step;
            const double up = objective(false);
            w = saved - step;
            const double down = objective(false);
            w = saved;
            const double numeric = (up - down) / (2.0 * step);
            const double got = analytic.f32()[i];
            BOOST_TEST(std::fabs(got - numeric) <= 2e-3 + 2e-2 * std::fabs(numeric),
                       c.label << ": " << p->name << "[" << i << "] analytic " << got << " numeric " << numeric);
            ++checked;
        }
    }
    BOOST_TEST(checked > 20);
}

// Keras's documented example: Dense(5, kernel ones, kernel L1(0.01),
// activity L2(0.01)) on a batch of 5 rows of 2s gives 0.01 * 25 (kernel)
// + 0.01 * 25 * 10^2 / 5 (activity over the batch) = 5.25. Exact in float.
BOOST_AUTO_TEST_CASE(penalties_follow_keras_formulas)
{
    auto m = model_from_yaml("[{Dense: {units: 5, input_shape: [5], kernel_initializer: ones,"
                             " kernel_regularizer: {class: l1, l1: 0.01}, activity_regularizer: {class: l2, l2: 0.01}}}]");
    backend be;
    tensor x({5, 5});
    be.fill(x.size(), 2.0f, x.f32());
    m->forward(be, x, true, 1);
    BOOST_TEST(m->regularization_loss() == 5.25, boost::test_tools::tolerance(1e-6));

    // l2 is l2 * sum(x^2), without a 1/2; its gradient 2 * l2 * x.
    const float v[] = {1.0f, -2.0f, 0.0f, 3.0f};
    BOOST_TEST(regularization_penalty(keras::l2(0.5f), 4, v) == 7.0);
    BOOST_TEST(regularization_penalty(keras::l1(0.5f), 4, v) == 3.0);
    BOOST_TEST(regularization_penalty(keras::l1_l2(), 4, v) == 0.01 * 6 + 0.01 * 14, boost::test_tools::tolerance(1e-6));
    float g[] = {0, 0, 0, 0};
    add_regularization_gradient(keras::l1_l2(1.0f, 0.5f), 4, v, 1.0f, g);
    BOOST_TEST(g[0] == 2.0f);   // 1 + 2 * 0.5 * 1
    BOOST_TEST(g[1] == -3.0f);  // -1 + 2 * 0.5 * -2
    BOOST_TEST(g[2] == 0.0f);   // |x|'s subgradient at 0 is 0
}

// Columns (axis 0) of a [3, 2] weight with norms 5 and 0.5 (exact in float).
BOOST_AUTO_TEST_CASE(constraints_project_as_keras_does)
{
    const auto weight = [] {
        tensor w({3, 2});
        const float v[] = {3.0f, 0.3f, 4.0f, 0.4f, 0.0f, 0.0f};
        std::memcpy(w.f32(), v, sizeof v);
        return w;
    };
    const double eps = 1e-7;  // Keras's epsilon in norm / (epsilon + norm)
    tensor w = weight();
    apply_constraint(keras::max_norm(2.0f), w);
    BOOST_TEST(w.f32()[0] == 3.0 * 2.0 / (5.0 + eps), boost::test_tools::tolerance(1e-6));
    BOOST_TEST(w.f32()[1] == 0.3 * 0.5 / (0.5 + eps), boost::test_tools::tolerance(1e-6));
    w = weight();
    apply_constraint(keras::unit_norm(), w);
    BOOST_TEST(w.f32()[2] == 4.0 / 5.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(w.f32()[3] == 0.8, boost::test_tools::tolerance(1e-5));
    w = weight();
    apply_constraint(keras::min_max_norm(1.0f, 2.0f, 0.5f), w);
    // norm 5 -> 0.5 * 2 + 0.5 * 5 = 3.5; norm 0.5 -> 0.5 * 1 + 0.5 * 0.5 = 0.75.
    BOOST_TEST(w.f32()[0] == 3.0 * 3.5 / 5.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(w.f32()[1] == 0.3 * 0.75 / 0.5, boost::test_tools::tolerance(1e-5));
    w = weight();
    w.f32()[1] = -1.0f;
    apply_constraint(keras::non_neg(), w);
    BOOST_TEST(w.f32()[1] == 0.0f);
    BOOST_TEST(w.f32()[0] == 3.0f);
    // Over axis 1 (rows): [3, 0.3] has norm sqrt(9.09) < 4, unchanged by max_norm(4, 1).
    w = weight();
    apply_constraint(keras::max_norm(4.0f, 1), w);
    BOOST_TEST(w.f32()[0] == 3.0f, boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(w.f32()[2] == 4.0f * 4.0f / (std::sqrt(16.16f) + 1e-7f), boost::test_tools::tolerance(1e-6f));
}

// Keras's axis=[0, 1, 2] on a Conv2D kernel [h, w, in, out]: one norm per
// output filter over the other three axes. A [2, 1, 2, 2] kernel whose
// filter 0 holds 3, 4, 0, 0 (norm 5) and filter 1 holds 0.1 each (norm 0.2).
// Negative axes count from the last (-1: the filters themselves).
BOOST_AUTO_TEST_CASE(constraints_take_norms_over_several_axes)
{
    const auto kernel = [] {
        tensor w({2, 1, 2, 2});
        // index (h, w, in, out) -> offset ((h * 1 + w) * 2 + in) * 2 + out
        const float v[] = {3.0f, 0.1f, 4.0f, 0.1f, 0.0f, 0.1f, 0.0f, 0.1f};
        std::memcpy(w.f32(), v, sizeof v);
        return w;
    };
    const double eps = 1e-7;
    tensor w = kernel();
    apply_constraint(max_norm_constraint(2.0f, std::vector<int>{0, 1, 2}), w);
    // Filter 0 scaled to norm 2; filter 1 (norm 0.2 < 2) kept, up to eps.
    BOOST_TEST(w.f32()[0] == 3.0 * 2.0 / (5.0 + eps), boost::test_tools::tolerance(1e-6));
    BOOST_TEST(w.f32()[2] == 4.0 * 2.0 / (5.0 + eps), boost::test_tools::tolerance(1e-6));
    BOOST_TEST(w.f32()[1] == 0.1 * 0.2 / (0.2 + eps), boost::test_tools::tolerance(1e-6));
    double filter0 = 0.0;
    for (int i = 0; i < 8; i += 2) filter0 += double(w.f32()[i]) * w.f32()[i];
    BOOST_TEST(std::sqrt(filter0) == 2.0, boost::test_tools::tolerance(1e-6));
    // The same with the last axis named -1 among the kept ones: [0, 1, -2] is [0, 1, 2].
    tensor same = kernel();
    apply_constraint(unit_norm_constraint(std::vector<int>{0, 1, -2}), same);
    BOOST_TEST(same.f32()[0] == 3.0 / 5.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(same.f32()[7] == 0.1 / 0.2, boost::test_tools::tolerance(1e-5));
    // All axes: one norm over the whole weight (norm sqrt(25 + 0.04)).
    tensor all = kernel();
    apply_constraint(unit_norm_constraint(std::vector<int>{0, 1, 2, 3}), all);
    BOOST_TEST(all.f32()[2] == 4.0 / std::sqrt(25.04), boost::test_tools::tolerance(1e-6));

    // In experiment files and in training: a list in YAML, refused when an axis repeats or is not one.
    auto m = model_from_yaml("[{Conv2D: {filters: 2, kernel_size: 2, input_shape: [3, 3, 2],"
                             " kernel_constraint: {class: max_norm, max_value: 0.5, axis: [0, 1, 2]}}}]");
    BOOST_TEST(YAML::Dump(encode_layer_spec(m->nodes()[1].op->config())).find("axis: [0, 1, 2]") != std::string::npos);
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_constraint: {class: unit_norm, axis: [0, 0]}}}]");
                        }),
                        "axis 0 is listed twice"));
    BOOST_TEST(contains(error_of<model_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_constraint: {class: unit_norm, axis: [0, -3]}}}]");
                        }),
                        "kernel_constraint axis -3 is not an axis of its kernel of shape (3, 2)"));
    BOOST_TEST(contains(error_of<model_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_constraint: {class: unit_norm, axis: [1, -1]}}}]");
                        }),
                        "names an axis listed already"));
}

// The layers with weights other than a kernel and a bias take Keras's keys:
// each penalty lands on its weight (gamma ones: l2 * features; Embedding's
// table under l1), each constraint holds after training, and a key the
// class does not have is refused naming the layer and the key.
BOOST_AUTO_TEST_CASE(every_weighted_layer_takes_its_regularizers_and_constraints)
{
    auto bn = model_from_yaml("[{BatchNormalization: {input_shape: [6], gamma_regularizer: {class: l2, l2: 0.25},"
                              " beta_regularizer: {class: l1, l1: 0.5}}}]");
    BOOST_TEST(bn->regularization_loss() == 0.25 * 6, boost::test_tools::tolerance(1e-9));  // beta is 0

    auto emb = model_from_yaml("[{Embedding: {input_dim: 5, output_dim: 3, input_shape: [2],"
                               " embeddings_regularizer: {class: l1, l1: 0.1}}}]");
    const tensor& table = emb->nodes()[1].op->parameters()[0].value;
    double abs_sum = 0.0;
    for (std::int64_t i = 0; i < table.size(); ++i) abs_sum += std::fabs(table.f32()[i]);
    BOOST_TEST(emb->regularization_loss() == 0.1 * abs_sum, boost::test_tools::tolerance(1e-6));

    // Constraints after real updates: gamma kept in [0.5, 0.5] by min_max_norm over its one axis, alpha non-negative.
    keras::model m(parse_model_spec(YAML::Load(
        "[{Dense: {units: 6, input_shape: [8]}},"
        " {LayerNormalization: {gamma_constraint: {class: min_max_norm, min_value: 0.5, max_value: 0.5}}},"
        " {PReLU: {alpha_initializer: ones, alpha_constraint: non_neg}}, {Dense: {units: 3, activation: softmax}}]"),
        "<test>"));
    m.compile({sgd_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    m.fit(toy_data(), quiet(2));
    const parameter* gamma = m.net().nodes()[2].op->parameters().data();
    double squares = 0.0;
    for (std::int64_t i = 0; i < gamma->value.size(); ++i) squares += double(gamma->value.f32()[i]) * gamma->value.f32()[i];
    BOOST_TEST(std::sqrt(squares) == 0.5, boost::test_tools::tolerance(1e-5));
    for (std::int64_t i = 0; i < m.net().nodes()[3].op->parameters()[0].value.size(); ++i) {
        BOOST_TEST(m.net().nodes()[3].op->parameters()[0].value.f32()[i] >= 0.0f);
    }

    // A key the class does not take, named with the layer.
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{BatchNormalization: {input_shape: [6], kernel_regularizer: l2}}]");
                        }),
                        "kernel_regularizer"));
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3]}}, {Dropout: {rate: 0.1, bias_constraint: non_neg}}]");
                        }),
                        "bias_constraint"));
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{PReLU: {input_shape: [3], activity_regularizer: l2}}]");
                        }),
                        "activity_regularizer"));
    batch_normalization_options bad;
    bad.gamma_regularizer = keras::l2(-1.0f);
    BOOST_TEST(contains(error_of<config_error>([&] { keras::sequential({keras::batch_normalization(bad)}, {4}); }),
                        "gamma_regularizer.l2: expected a number >= 0"));

    // YAML round trip of every new key.
    auto sep = model_from_yaml("[{SeparableConv2D: {filters: 2, kernel_size: 2, input_shape: [4, 4, 2],"
                               " depthwise_constraint: {class: max_norm, max_value: 2, axis: [0, 1]},"
                               " pointwise_regularizer: {class: l2, l2: 0.5}, bias_constraint: non_neg}}]");
    const std::string yaml = YAML::Dump(encode_layer_spec(sep->nodes()[1].op->config()));
    BOOST_TEST(contains(yaml, "depthwise_constraint: {class: max_norm, max_value: 2, axis: [0, 1]}"), yaml);
    BOOST_TEST(contains(yaml, "pointwise_regularizer: {class: l2, l2: 0.5}"), yaml);
    BOOST_TEST(contains(yaml, "bias_constraint: {class: non_neg}"), yaml);
}

// ---- TensorFlow.js as an oracle (skipped without node or the package)

namespace {

using mlrun::testing::tfjs_dir;
using mlrun::testing::tfjs_present;

}  // namespace

// The same 4x3 weight through TF.js's regularizers and constraints and
// through mlrun's. Both compute in float32 (mlrun sums in double), so they
// agree to float round-off: 1e-5 relative on values of order 1.
BOOST_AUTO_TEST_CASE(penalties_and_constraints_match_tfjs, *boost::unit_test::precondition(tfjs_present))
{
    temp_directory dir;
    const float values[] = {0.5f, -1.5f, 2.0f, 0.25f, 1.0f, -0.75f, -2.5f, 0.1f, 0.6f, 1.2f, -0.3f, 0.9f};
    const std::string script = (dir.path / "oracle.js").string();
    std::ofstream(script) << "const tf = require('" << tfjs_dir() << "');\n"
                          << "const w = tf.tensor2d([" << [&] {
                                 std::ostringstream v;
                                 for (float f : values) v << f << ",";
                                 return v.str();
                             }() << "], [4, 3]);\n"
                          << "const out = {\n"
                             "  l1l2: tf.regularizers.l1l2({l1: 0.01, l2: 0.02}).apply(w).dataSync()[0],\n"
                             "  l2: tf.regularizers.l2({l2: 0.03}).apply(w).dataSync()[0],\n"
                             "  max_norm: Array.from(tf.constraints.maxNorm({maxValue: 2, axis: 0}).apply(w).dataSync()),\n"
                             "  unit_norm: Array.from(tf.constraints.unitNorm({axis: 0}).apply(w).dataSync()),\n"
                             "  min_max_norm: Array.from(tf.constraints.minMaxNorm({minValue: 1, maxValue: 2, rate: 0.5,"
                             " axis: 0}).apply(w).dataSync()),\n"
                             "  non_neg: Array.from(tf.constraints.nonNeg().apply(w).dataSync()),\n"
                             "};\nconsole.log(JSON.stringify(out));\n";
    const command_result ran = run_command("node '" + script + "'");
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
    const std::string line = ran.output.substr(ran.output.rfind('{'));
    const auto number_after = [&](const std::string& key, std::size_t index) {
        std::size_t at = line.find("\"" + key + "\":") + key.size() + 3;
        if (line[at] == '[') ++at;
        for (std::size_t i = 0; i < index; ++i) at = line.find(',', at) + 1;
        return std::stod(line.substr(at));
    };
    BOOST_TEST(regularization_penalty(keras::l1_l2(0.01f, 0.02f), 12, values) == number_after("l1l2", 0),
               boost::test_tools::tolerance(1e-5));
    BOOST_TEST(regularization_penalty(keras::l2(0.03f), 12, values) == number_after("l2", 0),
               boost::test_tools::tolerance(1e-5));
    const std::pair<const char*, constraint_spec> constraints[] = {
        {"max_norm", keras::max_norm(2.0f)},
        {"unit_norm", keras::unit_norm()},
        {"min_max_norm", keras::min_max_norm(1.0f, 2.0f, 0.5f)},
        {"non_neg", keras::non_neg()},
    };
    for (const auto& [name, spec] : constraints) {
        tensor w({4, 3});
        std::memcpy(w.f32(), values, sizeof values);
        apply_constraint(spec, w);
        for (std::int64_t i = 0; i < 12; ++i) {
            const double expected = number_after(name, static_cast<std::size_t>(i));
            BOOST_TEST(std::fabs(w.f32()[i] - expected) <= 1e-5 * (1.0 + std::fabs(expected)),
                       name << "[" << i << "]: mlrun " << w.f32()[i] << ", TF.js " << expected);
        }
    }
}

// ---- the fit loop

// The loss fit reports is the data loss plus the regularization (Keras's
// total loss): with a learning rate of 0 the weights stay, so a model with
// an l2 kernel reports exactly its twin's loss plus the penalty (to the
// float round-off of the sums, 1e-6 relative).
BOOST_AUTO_TEST_CASE(reported_loss_includes_the_regularization)
{
    dense_options regularized;
    regularized.units = 6;
    regularized.activation = "tanh";
    regularized.kernel_regularizer = keras::l2(0.05f);
    keras::model with = keras::sequential({keras::dense(regularized), keras::dense(3, "softmax")}, {8});
    keras::model without = keras::sequential({keras::dense(6, "tanh"), keras::dense(3, "softmax")}, {8});
    for (keras::model* m : {&with, &without}) m->compile({sgd_options{0.0f, 0.0f, false, {}}, loss_kind::sparse_categorical_crossentropy, {}});
    const double penalty = with.net().regularization_loss();
    BOOST_TEST(penalty > 0.01);
    const history a = with.fit(toy_data(), quiet(1));
    const history b = without.fit(toy_data(), quiet(1));
    BOOST_TEST(a.epochs[0].get("loss").value() == b.epochs[0].get("loss").value() + penalty, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(with.evaluate(toy_data()).get("loss").value() == without.evaluate(toy_data()).get("loss").value() + penalty,
               boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(constraints_hold_after_every_update)
{
    dense_options capped;
    capped.units = 6;
    capped.kernel_constraint = keras::max_norm(0.3f);
    capped.bias_constraint = keras::non_neg();
    keras::model m = keras::sequential({keras::dense(capped), keras::dense(3, "softmax")}, {8});
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    m.fit(toy_data(), quiet(3));
    const tensor& kernel = m.net().parameters()[0]->value;
    for (std::int64_t unit = 0; unit < 6; ++unit) {
        double square = 0.0;
        for (std::int64_t in = 0; in < 8; ++in) square += std::pow(kernel.f32()[in * 6 + unit], 2);
        BOOST_TEST(std::sqrt(square) <= 0.3 + 1e-6);
    }
    const tensor& bias = m.net().parameters()[1]->value;
    for (std::int64_t i = 0; i < 6; ++i) BOOST_TEST(bias.f32()[i] >= 0.0f);
}

BOOST_AUTO_TEST_CASE(frozen_layers_keep_their_weights_bit_for_bit)
{
    keras::model m =
        keras::sequential({keras::dense(16, "relu").frozen(), keras::dense(3, "softmax")}, {8});
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    const std::vector<parameter*> all = m.net().parameters();
    const tensor kernel = all[0]->value;
    const tensor bias = all[1]->value;
    const tensor head = all[2]->value;
    BOOST_TEST(m.net().trainable_parameters().size() == 2u);  // only the head: no optimizer slots for the frozen one
    m.fit(toy_data(), quiet(2));
    BOOST_TEST(same_bytes(all[0]->value, kernel));
    BOOST_TEST(same_bytes(all[1]->value, bias));
    BOOST_TEST(!same_bytes(all[2]->value, head));
    std::ostringstream table;
    m.summary(table);
    BOOST_TEST(contains(table.str(), "Trainable params: 51"), table.str());       // 16 * 3 + 3
    BOOST_TEST(contains(table.str(), "Non-trainable params: 144"), table.str());  // 8 * 16 + 16
    BOOST_TEST(!spec_of(m.net()).layers[0].layer.trainable);
}

// Keras 3: a frozen BatchNormalization normalises with its moving
// statistics in training as in inference, and leaves them as they are.
BOOST_AUTO_TEST_CASE(frozen_batch_normalization_runs_in_inference_mode)
{
    keras::model m = keras::sequential(
        {keras::dense(6, "tanh"), keras::batch_normalization().frozen(), keras::dense(3, "softmax")}, {8});
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    std::vector<tensor> before;
    for (const parameter& p : m.net().nodes()[2].op->parameters()) before.push_back(p.value);
    m.fit(toy_data(), quiet(2));
    const auto& after = m.net().nodes()[2].op->parameters();
    for (std::size_t i = 0; i < before.size(); ++i) BOOST_TEST(same_bytes(after[i].value, before[i]), after[i].name);
    backend be;
    const dataset data = toy_data();
    const tensor training = m.net().forward(be, data.x, true, 3);
    const tensor inference = m.net().forward(be, data.x, false, 3);
    BOOST_TEST(same_bytes(training, inference));
}

// validation_split takes the tail before shuffling: the same run as
// training on the head and validating on the tail, bit for bit.
BOOST_AUTO_TEST_CASE(validation_split_equals_the_tail_as_validation_data)
{
    const dataset all = toy_data(40);
    const dataset head = rows_of(all, range(0, 30), "head");
    const dataset tail = rows_of(all, range(30, 40), "tail");
    auto make = [] {
        keras::model m = keras::sequential({keras::dense(16, "relu"), keras::dropout(0.2f), keras::dense(3, "softmax")}, {8});
        m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {"accuracy"}});
        return m;
    };
    keras::model split = make();
    keras::model given = make();
    const history a = split.fit(all, quiet(3).with_validation_split(0.25));
    const history b = given.fit(head, quiet(3).with_validation(tail));
    BOOST_TEST_REQUIRE(a.epochs.size() == 3u);
    for (std::size_t e = 0; e < 3; ++e) {
        for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) {
            BOOST_TEST(a.epochs[e].get(key).value() == b.epochs[e].get(key).value(), key << " at epoch " << e);
        }
    }
    BOOST_TEST(same_bytes(split.predict(all.x), given.predict(all.x)));
    // Keras's floor(n * (1 - split)): 0.1 of 10 samples leaves 9 (a float 0.1 would leave 8).
    BOOST_TEST(training_samples(10, 0.1) == 9);
}

// An integer class weight is the same as repeating the class's samples,
// up to Keras's normalisation by the batch size (not by the weights): with
// one full batch and plain SGD, weighting N samples with rate r steps as
// the N' repeated samples with rate r N' / N. The sums differ only in
// order (at most 20 float terms a step, 3 steps), so 1e-5 on weights of
// order 1 is far above the round-off and far below any real difference.
BOOST_AUTO_TEST_CASE(class_weight_equals_repeating_samples)
{
    const dataset data = toy_data(12);  // 4 samples of each class
    std::vector<std::int64_t> repeated;
    for (std::int64_t i = 0; i < 12; ++i) {
        for (int k = 0; k < (i % 3 == 1 ? 3 : 1); ++k) repeated.push_back(i);
    }
    const dataset copies = rows_of(data, repeated, "repeated");
    BOOST_TEST_REQUIRE(copies.size() == 20);
    auto make = [](float rate) {
        keras::model m = keras::sequential({keras::dense(6, "tanh"), keras::dense(3, "softmax")}, {8});
        m.compile({sgd_options{rate, 0.0f, false, {}}, loss_kind::sparse_categorical_crossentropy, {}});
        return m;
    };
    keras::model weighted = make(0.1f);
    keras::model repeating = make(0.1f * 20.0f / 12.0f);
    keras::fit_arguments args = quiet(3, 12);
    args.shuffle = false;
    const history a = weighted.fit(data, keras::fit_arguments(args).with_class_weight({{1, 3.0f}}));
    args.batch_size = 20;
    const history b = repeating.fit(copies, args);
    BOOST_TEST(a.epochs[0].get("loss").value() * 12.0 / 20.0 == b.epochs[0].get("loss").value(), boost::test_tools::tolerance(1e-5));
    const auto wa = weighted.net().parameters();
    const auto wb = repeating.net().parameters();
    for (std::size_t p = 0; p < wa.size(); ++p) {
        for (std::int64_t i = 0; i < wa[p]->value.size(); ++i) {
            BOOST_TEST(std::fabs(wa[p]->value.f32()[i] - wb[p]->value.f32()[i]) <= 1e-5, wa[p]->name << "[" << i << "]");
        }
    }

    // Sample weights of class_weight[y] are the same computation, bit for bit.
    dataset with_weights = data;
    with_weights.sample_weight = tensor({12});
    for (std::int64_t i = 0; i < 12; ++i) with_weights.sample_weight.f32()[i] = i % 3 == 1 ? 3.0f : 1.0f;
    keras::model sampled = make(0.1f);
    args.batch_size = 12;
    const history c = sampled.fit(with_weights, args);
    BOOST_TEST(c.epochs[2].get("loss").value() == a.epochs[2].get("loss").value());
    BOOST_TEST(same_bytes(sampled.predict(data.x), weighted.predict(data.x)));
}

// Everything wrong is refused before the first step, naming the key.
BOOST_AUTO_TEST_CASE(bad_settings_are_refused_before_training)
{
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_regularizer: {class: l2, l2: -1}}}]");
                        }),
                        "kernel_regularizer.l2: expected a number >= 0"));
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_constraint: max_nrom}}]");
                        }),
                        "'max_nrom' is not one of: max_norm, non_neg, unit_norm, min_max_norm"));
    BOOST_TEST(contains(error_of<config_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_regularizer: {class: l1, l2: 0.1}}}]");
                        }),
                        "the l1 regularizer has no l2 factor"));
    BOOST_TEST(contains(error_of<model_error>([] {
                            model_from_yaml("[{Dense: {units: 2, input_shape: [3], kernel_constraint: {class: unit_norm, axis: 2}}}]");
                        }),
                        "kernel_constraint axis 2 is not an axis of its kernel of shape (3, 2)"));
    dense_options negative;
    negative.units = 3;
    negative.bias_regularizer = keras::l2(-0.5f);
    BOOST_TEST(contains(error_of<config_error>([&] { keras::sequential({keras::dense(negative)}, {8}); }),
                        "bias_regularizer.l2: expected a number >= 0"));

    keras::model m = keras::sequential({keras::dense(3, "softmax")}, {8});
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    const tensor before = m.net().parameters()[0]->value;
    BOOST_TEST(contains(error_of<config_error>([&] { m.fit(toy_data(), quiet(1).with_validation_split(1.0)); }),
                        "fit.validation_split: expected a fraction in [0, 1), found 1"));
    BOOST_TEST(contains(error_of<config_error>([&] { m.fit(toy_data(), quiet(1).with_class_weight({{3, 1.0f}})); }),
                        "fit.class_weight: class 3 is not a class of the model's 3 (expected 0 to 2)"));
    BOOST_TEST(contains(error_of<config_error>([&] { m.fit(toy_data(), quiet(1).with_class_weight({{1, -2.0f}})); }),
                        "fit.class_weight[1]: expected a finite weight >= 0"));
    dataset weighted = toy_data();
    weighted.sample_weight = tensor({40});
    BOOST_TEST(contains(error_of<config_error>([&] { m.fit(weighted, quiet(1).with_class_weight({{1, 2.0f}})); }),
                        "give one of them"));
    weighted.sample_weight = tensor({39});
    BOOST_TEST(contains(error_of<data_error>([&] { m.fit(weighted, quiet(1)); }), "sample_weight must hold one float per sample"));
    BOOST_TEST(same_bytes(m.net().parameters()[0]->value, before));
}

// ---- round trips: YAML, the C++ specs, and Keras files of both generations

namespace {

model_spec penalized_spec()
{
    dense_options hidden;
    hidden.units = 6;
    hidden.activation = "tanh";
    hidden.kernel_regularizer = keras::l1_l2(0.001f, 0.002f);
    hidden.bias_regularizer = keras::l2(0.003f);
    hidden.activity_regularizer = keras::l1(0.004f);
    hidden.kernel_constraint = keras::max_norm(3.0f);
    hidden.bias_constraint = keras::non_neg();
    dense_options head;
    head.units = 3;
    head.activation = "softmax";
    head.kernel_constraint = keras::min_max_norm(0.5f, 1.5f, 0.25f, 0);
    head.bias_regularizer = keras::l1(0.01f);
    model_spec spec;
    spec.input_shape = std::vector<std::int64_t>{8};
    spec.layers.push_back({keras::dense(hidden).named("hidden"), {}, ""});
    spec.layers.push_back({keras::dense(4, "relu").frozen().named("frozen"), {}, ""});
    spec.layers.push_back({keras::dense(head).named("head"), {}, ""});
    return spec;
}

void check_same_settings(const model_spec& expected, const model_spec& found, const std::string& route)
{
    BOOST_TEST_REQUIRE(found.layers.size() == expected.layers.size(), route);
    for (std::size_t i = 0; i < expected.layers.size(); ++i) {
        const auto& e = std::get<dense_options>(expected.layers[i].layer.options);
        const auto& f = std::get<dense_options>(found.layers[i].layer.options);
        BOOST_TEST(found.layers[i].layer.trainable == expected.layers[i].layer.trainable, route << " layer " << i);
        const auto same_regularizer = [&](const std::optional<regularizer_spec>& a, const std::optional<regularizer_spec>& b,
                                          const char* what) {
            BOOST_TEST(a.has_value() == b.has_value(), route << " layer " << i << " " << what);
            if (a && b) {
                BOOST_TEST((a->kind == b->kind && a->l1 == b->l1 && a->l2 == b->l2), route << " layer " << i << " " << what);
            }
        };
        const auto same_constraint = [&](const std::optional<constraint_spec>& a, const std::optional<constraint_spec>& b,
                                         const char* what) {
            BOOST_TEST(a.has_value() == b.has_value(), route << " layer " << i << " " << what);
            if (a && b) {
                BOOST_TEST((a->kind == b->kind && a->axis == b->axis && (a->kind == constraint_kind::non_neg ||
                            a->kind == constraint_kind::unit_norm || a->max_value == b->max_value) &&
                            (a->kind != constraint_kind::min_max_norm || (a->min_value == b->min_value && a->rate == b->rate))),
                           route << " layer " << i << " " << what);
            }
        };
        same_regularizer(e.kernel_regularizer, f.kernel_regularizer, "kernel_regularizer");
        same_regularizer(e.bias_regularizer, f.bias_regularizer, "bias_regularizer");
        same_regularizer(e.activity_regularizer, f.activity_regularizer, "activity_regularizer");
        same_constraint(e.kernel_constraint, f.kernel_constraint, "kernel_constraint");
        same_constraint(e.bias_constraint, f.bias_constraint, "bias_constraint");
    }
}

std::string file_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

BOOST_AUTO_TEST_CASE(settings_round_trip_through_yaml)
{
    const model_spec spec = penalized_spec();
    const YAML::Node encoded = encode_model_spec(spec);
    const model_spec back = parse_model_spec(encoded, "<encoded>");
    check_same_settings(spec, back, "YAML");
    const std::string text = YAML::Dump(encoded);
    BOOST_TEST(contains(text, "kernel_regularizer: {class: l1_l2, l1: 0.001, l2: 0.002}"), text);
    BOOST_TEST(contains(text, "trainable: false"), text);
    // A name alone takes Keras's defaults.
    const model_spec named = parse_model_spec(
        YAML::Load("[{Dense: {units: 2, input_shape: [3], kernel_regularizer: l1_l2, kernel_constraint: max_norm}}]"), "<t>");
    const auto& o = std::get<dense_options>(named.layers[0].layer.options);
    BOOST_TEST((o.kernel_regularizer->l1 == 0.01f && o.kernel_regularizer->l2 == 0.01f));
    BOOST_TEST((o.kernel_constraint->max_value == 2.0f && o.kernel_constraint->axis == std::vector<int>{0}));
}

// Saved, trained and loaded back: the settings, the frozen layer and the
// optimizer state (slots for the trainable weights only) survive Keras 2
// .h5 and Keras 3 .keras files, in Keras's serialization.
BOOST_AUTO_TEST_CASE(settings_round_trip_through_keras_files)
{
    temp_directory dir;
    const model_spec spec = penalized_spec();
    keras::model m(spec);
    m.compile({adam_options{}, loss_kind::sparse_categorical_crossentropy, {}});
    m.fit(toy_data(), quiet(1));
    for (const char* name : {"model.h5", "model.keras"}) {
        const std::string file = (dir.path / name).string();
        m.save(file);
        keras::model back = keras::load_model(file);
        check_same_settings(spec, spec_of(back.net()), name);
        BOOST_TEST(back.fitter().get_optimizer().iterations() == m.fitter().get_optimizer().iterations(), name);
        BOOST_TEST(same_bytes(back.predict(toy_data().x), m.predict(toy_data().x)), name);
        back.fit(toy_data(), quiet(1));  // the optimizer state pairs with the trainable weights
        BOOST_TEST(same_bytes(back.net().parameters()[2]->value, m.net().parameters()[2]->value), name);
    }
    const std::string h5 = file_text((dir.path / "model.h5").string());
    BOOST_TEST(contains(h5, "\"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.001, \"l2\": 0.002}}"));
    BOOST_TEST(contains(h5, "\"bias_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 0.003}}"));
    BOOST_TEST(contains(h5, "\"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": 3.0, \"axis\": 0}}"));
    BOOST_TEST(contains(h5, "\"trainable\": false"));
}
