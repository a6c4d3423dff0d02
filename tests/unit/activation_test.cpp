// Every element-wise activation of the reference backend against its
// closed form computed in double (Keras 3's definitions), its derivative
// against the closed-form derivative, and that derivative against a
// central difference of the closed form.
//
// Tolerances: float32 carries eps = 1.2e-7 relative; exp, erf, tanh and
// log1p in float are correct to a few ulp, so a relative 1e-5 bound is
// wide. Where the closed form cancels (1 + erf(x) and 1 + tanh(u) for
// x << 0, GELU's and Mish's tails) the float result keeps only an absolute
// accuracy of about |x| eps ~ 6 * 1.2e-7 over [-6, 6], hence the absolute
// 2e-6 term. The difference quotient in double with h = 1e-5 is exact to
// about h^2 |f'''| + 1e-16 / h ~ 1e-10.
#define BOOST_TEST_MODULE activations
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/layers/activation_kind.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

using namespace mlrun;

namespace {

constexpr double selu_alpha = 1.6732632423543772848170429916717;
constexpr double selu_scale = 1.0507009873554804934193349852946;
const double pi = std::acos(-1.0);

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double softplus(double x) { return std::log1p(std::exp(x)); }
double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }
double tanh_gelu_inner(double x) { return std::sqrt(2.0 / pi) * (x + 0.044715 * x * x * x); }

struct closed_form {
    std::string name;  // as experiment files write it
    mlrun_activation code;
    double (*value)(double);
    double (*slope)(double);
};

std::ostream& operator<<(std::ostream& out, const closed_form& f) { return out << f.name; }

const std::vector<closed_form> forms = {
    {"elu", MLRUN_ACTIVATION_ELU, [](double x) { return x > 0 ? x : std::expm1(x); },
     [](double x) { return x > 0 ? 1.0 : std::exp(x); }},
    {"selu", MLRUN_ACTIVATION_SELU, [](double x) { return selu_scale * (x > 0 ? x : selu_alpha * std::expm1(x)); },
     [](double x) { return x > 0 ? selu_scale : selu_scale * selu_alpha * std::exp(x); }},
    {"gelu", MLRUN_ACTIVATION_GELU, [](double x) { return x * normal_cdf(x); },
     [](double x) { return normal_cdf(x) + x * std::exp(-0.5 * x * x) / std::sqrt(2.0 * pi); }},
    {"gelu_tanh", MLRUN_ACTIVATION_GELU_TANH, [](double x) { return 0.5 * x * (1.0 + std::tanh(tanh_gelu_inner(x))); },
     [](double x) {
         const double t = std::tanh(tanh_gelu_inner(x));
         return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * std::sqrt(2.0 / pi) * (1.0 + 3.0 * 0.044715 * x * x);
     }},
    {"leaky_relu", MLRUN_ACTIVATION_LEAKY_RELU, [](double x) { return x > 0 ? x : 0.2 * x; },
     [](double x) { return x > 0 ? 1.0 : 0.2; }},
    {"relu6", MLRUN_ACTIVATION_RELU6, [](double x) { return std::fmin(std::fmax(x, 0.0), 6.0); },
     [](double x) { return x > 0 && x < 6 ? 1.0 : 0.0; }},
    {"silu", MLRUN_ACTIVATION_SILU, [](double x) { return x * sigmoid(x); },
     [](double x) { return sigmoid(x) * (1.0 + x * (1.0 - sigmoid(x))); }},
    {"softplus", MLRUN_ACTIVATION_SOFTPLUS, softplus, sigmoid},
    {"softsign", MLRUN_ACTIVATION_SOFTSIGN, [](double x) { return x / (1.0 + std::fabs(x)); },
     [](double x) { return 1.0 / ((1.0 + std::fabs(x)) * (1.0 + std::fabs(x))); }},
    // Keras 3: relu6(x + 3) / 6. Keras 2's clip(0.2 x + 0.5, 0, 1) differs by up to 0.033 (at x = +-2.5).
    {"hard_sigmoid", MLRUN_ACTIVATION_HARD_SIGMOID, [](double x) { return std::fmin(std::fmax(x + 3.0, 0.0), 6.0) / 6.0; },
     [](double x) { return x > -3 && x < 3 ? 1.0 / 6.0 : 0.0; }},
    {"exponential", MLRUN_ACTIVATION_EXPONENTIAL, [](double x) { return std::exp(x); },
     [](double x) { return std::exp(x); }},
    {"mish", MLRUN_ACTIVATION_MISH, [](double x) { return x * std::tanh(softplus(x)); },
     [](double x) {
         const double t = std::tanh(softplus(x));
         return t + x * (1.0 - t * t) * sigmoid(x);
     }},
};

// [-6, 6] in steps that never land on a kink (0, +-3, 6).
std::vector<float> sample_points()
{
    std::vector<float> xs;
    for (int i = 0; i <= 232; ++i) xs.push_back(-6.0f + 0.0517f * static_cast<float>(i));
    return xs;
}

bool close(double got, double want) { return std::fabs(got - want) <= 2e-6 + 1e-5 * std::fabs(want); }

}  // namespace

BOOST_DATA_TEST_CASE(forward_matches_the_closed_form, boost::unit_test::data::make(forms), form)
{
    backend be;
    const std::vector<float> x = sample_points();
    std::vector<float> y(x.size());
    be.activation_forward(form.code, static_cast<std::int64_t>(x.size()), x.data(), y.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double want = form.value(x[i]);
        BOOST_TEST(close(y[i], want), form.name << "(" << x[i] << ") = " << y[i] << ", closed form " << want);
    }
}

BOOST_DATA_TEST_CASE(backward_matches_the_derivative_and_finite_differences, boost::unit_test::data::make(forms), form)
{
    backend be;
    const std::vector<float> x = sample_points();
    std::vector<float> dy(x.size()), dx(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) dy[i] = 0.5f + 0.01f * static_cast<float>(i % 7);
    // From ELU on the backward kernel reads the input x (mlrun_backend.h).
    be.activation_backward(form.code, static_cast<std::int64_t>(x.size()), x.data(), dy.data(), dx.data());
    constexpr double h = 1e-5;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double slope = form.slope(x[i]);
        const double numeric = (form.value(x[i] + h) - form.value(x[i] - h)) / (2.0 * h);
        BOOST_TEST(std::fabs(slope - numeric) <= 1e-7 + 1e-7 * std::fabs(slope),
                   form.name << "'(" << x[i] << "): closed form " << slope << ", difference quotient " << numeric);
        BOOST_TEST(close(dx[i], dy[i] * slope),
                   form.name << "'(" << x[i] << ") * dy = " << dx[i] << ", closed form " << dy[i] * slope);
    }
}

BOOST_DATA_TEST_CASE(experiment_names_parse_and_round_trip, boost::unit_test::data::make(forms), form)
{
    BOOST_TEST(activation_name(parse_activation(form.name)) == form.name);
}

BOOST_AUTO_TEST_CASE(large_inputs_stay_finite)
{
    // softplus(100) must not overflow through exp(100) in float; mish and silu follow it.
    backend be;
    for (mlrun_activation code : {MLRUN_ACTIVATION_SOFTPLUS, MLRUN_ACTIVATION_MISH, MLRUN_ACTIVATION_SILU,
                                  MLRUN_ACTIVATION_GELU, MLRUN_ACTIVATION_GELU_TANH}) {
        const float x[] = {-100.0f, 100.0f};
        float y[2];
        be.activation_forward(code, 2, x, y);
        BOOST_TEST(std::fabs(y[0]) < 1e-30f, "code " << code << " at -100: " << y[0]);
        BOOST_TEST(y[1] == 100.0f, "code " << code << " at 100: " << y[1]);
    }
}

BOOST_AUTO_TEST_CASE(swish_is_silu)
{
    BOOST_TEST(activation_name(parse_activation("swish")) == "silu");
}

BOOST_AUTO_TEST_CASE(unknown_activation_lists_the_known_ones)
{
    try {
        parse_activation("gelu_erf");
        BOOST_FAIL("expected config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("unknown activation 'gelu_erf'") != std::string::npos, message);
        BOOST_TEST(message.find("mish") != std::string::npos, message);
    }
}

// tf.keras 2.x's hard_sigmoid, read from its files as hard_sigmoid_keras2:
// clip(0.2 x + 0.5, 0, 1), slope 0.2 inside (-2.5, 2.5). It differs from
// Keras 3's by 1/30 at x = +-2.5, far above the tolerance: a float multiply-add
// and clip round once, within 1e-7 of the double value.
BOOST_AUTO_TEST_CASE(keras_2_hard_sigmoid_is_a_clipped_line_of_slope_0_2)
{
    backend be;
    const std::vector<float> x = {-4.0f, -2.5f, -1.0f, 0.0f, 0.7f, 2.5f, 3.0f};
    std::vector<float> y(x.size());
    apply_activation(be, parse_activation("hard_sigmoid_keras2"), 1, static_cast<std::int64_t>(x.size()), x.data(),
                     y.data());
    std::vector<float> keras3(x.size());
    apply_activation(be, parse_activation("hard_sigmoid"), 1, static_cast<std::int64_t>(x.size()), x.data(),
                     keras3.data());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double expected = std::fmin(std::fmax(0.2 * x[i] + 0.5, 0.0), 1.0);
        BOOST_TEST(std::fabs(y[i] - expected) <= 1e-7, "x = " << x[i] << ": " << y[i] << " vs " << expected);
    }
    BOOST_TEST(std::fabs(y[1] - keras3[1]) > 0.03);  // 0 vs 1/12: the formulas really differ
    const std::vector<float> dy(x.size(), 2.0f);
    std::vector<float> dx(x.size());
    apply_activation_gradient(be, activation_kind::hard_sigmoid_keras2, 1, static_cast<std::int64_t>(x.size()),
                              x.data(), y.data(), dy.data(), dx.data());
    const std::vector<float> expected_dx = {0.0f, 0.0f, 0.4f, 0.4f, 0.4f, 0.0f, 0.0f};
    for (std::size_t i = 0; i < x.size(); ++i) BOOST_TEST(dx[i] == expected_dx[i], "x = " << x[i]);
    BOOST_TEST(activation_name(activation_kind::hard_sigmoid_keras2) == "hard_sigmoid_keras2");
}

// log_softmax over each row: x - log(sum(exp(x))) in double, also where
// exp(x) alone would overflow float; its gradient dy - softmax(x) sum(dy).
// Tolerance: the float result rounds a value of size up to 2000 (half an
// ulp: 6e-8 relative), so 1e-6 absolute plus 2e-7 relative; computing
// x - log-sum-exp in float instead would miss by 3e-5 at x ~ 1000.
BOOST_AUTO_TEST_CASE(log_softmax_is_x_minus_the_log_of_the_sum_of_exps)
{
    backend be;
    const float x[] = {1.0f, 2.0f, 3.0f, 1000.0f, 999.0f, -1000.0f};
    float y[6];
    apply_activation(be, parse_activation("log_softmax"), 2, 3, x, y);
    for (int r = 0; r < 2; ++r) {
        const double top = std::max({double(x[3 * r]), double(x[3 * r + 1]), double(x[3 * r + 2])});
        double total = 0.0;
        for (int c = 0; c < 3; ++c) total += std::exp(double(x[3 * r + c]) - top);
        for (int c = 0; c < 3; ++c) {
            const double expected = double(x[3 * r + c]) - top - std::log(total);
            BOOST_TEST(std::fabs(y[3 * r + c] - expected) <= 1e-6 + 2e-7 * std::fabs(expected),
                       "row " << r << " col " << c << ": " << y[3 * r + c] << " vs " << expected);
        }
    }
    const float dy[] = {0.5f, -1.0f, 2.0f, 1.0f, 1.0f, 1.0f};
    float dx[6];
    apply_activation_gradient(be, activation_kind::log_softmax, 2, 3, x, y, dy, dx);
    for (int i = 0; i < 6; ++i) {
        const int r = i / 3;
        const double sum = double(dy[3 * r]) + dy[3 * r + 1] + dy[3 * r + 2];
        BOOST_TEST(std::fabs(dx[i] - (dy[i] - std::exp(double(y[i])) * sum)) <= 1e-5);
    }
}
