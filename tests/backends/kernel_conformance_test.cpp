// Every kernel other than gemm, on every accelerated backend, against the
// reference: element-wise kernels, reductions, losses, dropout and the
// optimizer updates, on sizes of 1, primes, the MLP's sizes and sizes large
// enough to be split across threads. Kernels a backend leaves to the
// reference are run too: the fallback is part of what the host promises.
#define BOOST_TEST_MODULE backend_conformance
#include "backend_test_support.hpp"
#include "conformance_support.hpp"

#include "mlrun/core/error.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

// Element counts: 1, primes, the MLP's layer sizes (32 x 512 activations,
// the 784 x 512 kernel) and a prime above the size at which a backend may
// split the work across threads.
const std::vector<std::int64_t> element_counts = {1, 2, 17, 101, 1024, 5120, 16384, 100003, 401408};

struct matrix_shape {
    std::int64_t rows, cols;
};
std::ostream& operator<<(std::ostream& out, const matrix_shape& s) { return out << s.rows << "x" << s.cols; }

const std::vector<matrix_shape> matrix_shapes = {{1, 1}, {1, 10}, {3, 1}, {7, 13}, {32, 10}, {32, 512},
                                                 {16, 512}, {256, 512}, {257, 1031}};

// Both backends get the same inputs; `run` applies one of them.
struct pair_of_backends {
    backend reference;
    std::unique_ptr<backend> candidate;
    explicit pair_of_backends(const backend_choice& choice) : candidate(make_backend(choice)) {}
};

std::vector<double> sum_of_abs(const std::vector<float>& a, const std::vector<float>& b)
{
    std::vector<double> result(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) result[i] = std::fabs(a[i]) + std::fabs(b[i]);
    return result;
}

// One class label per row, in [0, cols).
std::vector<std::int32_t> labels_for(const matrix_shape& s, std::uint64_t seed)
{
    return random_labels(static_cast<std::size_t>(s.rows), static_cast<std::int32_t>(s.cols), seed);
}

// Every code up to the last one the ABI defines: a backend that does not
// know one answers UNIMPLEMENTED and the reference runs.
const std::vector<int> activations = [] {
    std::vector<int> codes;
    for (int code = MLRUN_ACTIVATION_LINEAR; code <= MLRUN_ACTIVATION_MISH; ++code) codes.push_back(code);
    return codes;
}();

}  // namespace

BOOST_AUTO_TEST_SUITE(element_wise)

BOOST_DATA_TEST_CASE(fill_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts), choice,
                     n)
{
    pair_of_backends be(choice);
    std::vector<float> want(static_cast<std::size_t>(n), -1.0f), got = want;
    be.reference.fill(n, 0.375f, want.data());
    be.candidate->fill(n, 0.375f, got.data());
    expect_equal(got, want, "fill");
}

// y = alpha x + beta y: three roundings per element, M = |alpha x| + |beta y|.
BOOST_DATA_TEST_CASE(axpby_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts),
                     choice, n)
{
    pair_of_backends be(choice);
    const std::vector<float> x = random_floats(static_cast<std::size_t>(n), 11);
    const std::vector<float> y = random_floats(static_cast<std::size_t>(n), 12);
    for (float beta : {0.0f, 0.5f}) {
        std::vector<float> want = y, got = y;
        if (beta == 0.0f) std::fill(got.begin(), got.end(), std::numeric_limits<float>::quiet_NaN());
        be.reference.axpby(n, -1.5f, x.data(), beta, want.data());
        be.candidate->axpby(n, -1.5f, x.data(), beta, got.data());
        std::vector<double> magnitude(want.size());
        for (std::size_t i = 0; i < magnitude.size(); ++i) {
            magnitude[i] = std::fabs(1.5 * x[i]) + std::fabs(beta * y[i]);
        }
        expect_close(got, want, magnitude, 3.0, beta == 0.0f ? "axpby (beta 0, y ignored)" : "axpby");
    }
}

BOOST_DATA_TEST_CASE(multiply_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts),
                     choice, n)
{
    pair_of_backends be(choice);
    const std::vector<float> a = random_floats(static_cast<std::size_t>(n), 13);
    const std::vector<float> b = random_floats(static_cast<std::size_t>(n), 14);
    std::vector<float> want(a.size()), got(a.size());
    be.reference.multiply(n, a.data(), b.data(), want.data());
    be.candidate->multiply(n, a.data(), b.data(), got.data());
    expect_close(got, want, absolute(want), 1.0, "multiply");
}

// relu is a selection (exact); sigmoid and tanh go through exp/tanh, a few
// ulps each, counted as 4 roundings on M = |y| + |x| (x the input).
BOOST_DATA_TEST_CASE(activations_match_reference,
                     bdata::make(accelerated_backends()) * bdata::make(activations) * bdata::make(element_counts),
                     choice, activation, n)
{
    pair_of_backends be(choice);
    const auto code = static_cast<mlrun_activation>(activation);
    const std::vector<float> x = random_floats(static_cast<std::size_t>(n), 15, -4.0f, 4.0f);
    std::vector<float> want(x.size()), got(x.size());
    be.reference.activation_forward(code, n, x.data(), want.data());
    be.candidate->activation_forward(code, n, x.data(), got.data());
    expect_close(got, want, sum_of_abs(want, x), 4.0, "activation_forward");

    const std::vector<float> dy = random_floats(x.size(), 16);
    std::vector<float> want_dx(x.size()), got_dx(x.size());
    // The backward kernel reads y up to TANH and x from ELU on (mlrun_backend.h).
    const float* read = code >= MLRUN_ACTIVATION_ELU ? x.data() : want.data();
    be.reference.activation_backward(code, n, read, dy.data(), want_dx.data());
    be.candidate->activation_backward(code, n, read, dy.data(), got_dx.data());
    expect_close(got_dx, want_dx, absolute(dy), 4.0, "activation_backward");

    // In place (x == y, dx == dy) is allowed and must give the same values.
    std::vector<float> in_place = x;
    be.candidate->activation_forward(code, n, in_place.data(), in_place.data());
    expect_close(in_place, want, sum_of_abs(want, x), 4.0, "activation_forward in place");
}

// Rows of `cols` are independent: M = |y| + |bias|, one rounding.
BOOST_DATA_TEST_CASE(bias_add_matches_reference, bdata::make(accelerated_backends()) * bdata::make(matrix_shapes),
                     choice, s)
{
    pair_of_backends be(choice);
    const std::vector<float> bias = random_floats(static_cast<std::size_t>(s.cols), 17);
    const std::vector<float> y = random_floats(static_cast<std::size_t>(s.rows * s.cols), 18);
    std::vector<float> want = y, got = y;
    be.reference.bias_add(s.rows, s.cols, bias.data(), want.data());
    be.candidate->bias_add(s.rows, s.cols, bias.data(), got.data());
    std::vector<double> magnitude(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) magnitude[i] = std::fabs(y[i]) + std::fabs(bias[i % bias.size()]);
    expect_close(got, want, magnitude, 1.0, "bias_add");
}

// A column sum over `rows` terms: L = rows, M = sum |dy|.
BOOST_DATA_TEST_CASE(bias_grad_matches_reference, bdata::make(accelerated_backends()) * bdata::make(matrix_shapes),
                     choice, s)
{
    pair_of_backends be(choice);
    const std::vector<float> dy = random_floats(static_cast<std::size_t>(s.rows * s.cols), 19);
    std::vector<float> want(static_cast<std::size_t>(s.cols)), got(want.size(), 99.0f);
    be.reference.bias_grad(s.rows, s.cols, dy.data(), want.data());
    be.candidate->bias_grad(s.rows, s.cols, dy.data(), got.data());
    std::vector<double> magnitude(want.size(), 0.0);
    for (std::size_t i = 0; i < dy.size(); ++i) magnitude[i % want.size()] += std::fabs(dy[i]);
    expect_close(got, want, magnitude, static_cast<double>(s.rows), "bias_grad");
}

BOOST_DATA_TEST_CASE(dropout_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make({0.0f, 0.2f, 0.5f, 0.9f}) *
                         bdata::make(element_counts),
                     choice, rate, n)
{
    pair_of_backends be(choice);
    const std::vector<float> x = random_floats(static_cast<std::size_t>(n), 20);
    std::vector<float> want_mask(x.size()), want(x.size()), got_mask(x.size()), got(x.size());
    const std::uint64_t seed = 0x5eed0000u + static_cast<std::uint64_t>(n);
    be.reference.dropout_forward(n, rate, seed, x.data(), want_mask.data(), want.data());
    be.candidate->dropout_forward(n, rate, seed, x.data(), got_mask.data(), got.data());
    // The mask is a pure function of (seed, index): identical everywhere.
    expect_equal(got_mask, want_mask, "dropout mask");
    expect_close(got, want, absolute(want), 1.0, "dropout output");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rows)

// Softmax: a max, cols exponentials summed and a division per element.
// L = cols + 3 on M = max(|y|, 1) (probabilities are at most 1).
BOOST_DATA_TEST_CASE(softmax_matches_reference, bdata::make(accelerated_backends()) * bdata::make(matrix_shapes),
                     choice, s)
{
    pair_of_backends be(choice);
    const std::vector<float> x = random_floats(static_cast<std::size_t>(s.rows * s.cols), 21, -8.0f, 8.0f);
    std::vector<float> want(x.size()), got(x.size());
    be.reference.softmax_forward(s.rows, s.cols, x.data(), want.data());
    be.candidate->softmax_forward(s.rows, s.cols, x.data(), got.data());
    expect_close(got, want, at_least_one(want), static_cast<double>(s.cols + 3), "softmax_forward");

    // dx = y (dy - sum(dy y)): a dot product of cols terms, |dy| <= 1, y <= 1.
    const std::vector<float> dy = random_floats(x.size(), 22);
    std::vector<float> want_dx(x.size()), got_dx(x.size());
    be.reference.softmax_backward(s.rows, s.cols, want.data(), dy.data(), want_dx.data());
    be.candidate->softmax_backward(s.rows, s.cols, want.data(), dy.data(), got_dx.data());
    expect_close(got_dx, want_dx, std::vector<double>(x.size(), 2.0), static_cast<double>(s.cols + 3),
                 "softmax_backward");
}

// Fused softmax + cross-entropy, with labels and with target rows, with and
// without the gradient. Losses are log-sum-exp over cols terms: L = cols + 4
// on M = max(|loss|, 1); probabilities and gradients as for softmax.
BOOST_DATA_TEST_CASE(softmax_cross_entropy_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make(matrix_shapes), choice, s)
{
    pair_of_backends be(choice);
    const std::size_t size = static_cast<std::size_t>(s.rows * s.cols);
    const std::vector<float> logits = random_floats(size, 23, -6.0f, 6.0f);
    const std::vector<std::int32_t> labels = labels_for(s, 24);
    const std::vector<float> targets = random_distributions(s.rows, s.cols, 25);
    const double terms = static_cast<double>(s.cols + 4);
    for (const bool use_labels : {true, false}) {
        for (const bool with_gradient : {true, false}) {
            std::vector<float> want_p(size), got_p(size), want_d(size), got_d(size);
            std::vector<float> want_l(static_cast<std::size_t>(s.rows)), got_l(want_l.size());
            const std::int32_t* l = use_labels ? labels.data() : nullptr;
            const float* t = use_labels ? nullptr : targets.data();
            be.reference.softmax_cross_entropy(s.rows, s.cols, logits.data(), l, t, want_p.data(), want_l.data(),
                                               with_gradient ? want_d.data() : nullptr, 0.25f);
            be.candidate->softmax_cross_entropy(s.rows, s.cols, logits.data(), l, t, got_p.data(), got_l.data(),
                                                with_gradient ? got_d.data() : nullptr, 0.25f);
            const std::string what = std::string("softmax_cross_entropy with ") + (use_labels ? "labels" : "targets");
            expect_close(got_p, want_p, at_least_one(want_p), terms, what + ": probabilities");
            expect_close(got_l, want_l, at_least_one(want_l), terms, what + ": losses");
            if (with_gradient) expect_close(got_d, want_d, at_least_one(want_d), terms, what + ": gradient");
        }
    }
}

BOOST_DATA_TEST_CASE(sigmoid_cross_entropy_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make(matrix_shapes), choice, s)
{
    pair_of_backends be(choice);
    const std::size_t size = static_cast<std::size_t>(s.rows * s.cols);
    const std::vector<float> logits = random_floats(size, 26, -6.0f, 6.0f);
    const std::vector<float> targets = random_floats(size, 27, 0.0f, 1.0f);
    std::vector<float> want_p(size), got_p(size), want_l(static_cast<std::size_t>(s.rows)), got_l(want_l.size());
    std::vector<float> want_d(size), got_d(size);
    be.reference.sigmoid_cross_entropy(s.rows, s.cols, logits.data(), targets.data(), want_p.data(), want_l.data(),
                                       want_d.data(), 0.5f);
    be.candidate->sigmoid_cross_entropy(s.rows, s.cols, logits.data(), targets.data(), got_p.data(), got_l.data(),
                                        got_d.data(), 0.5f);
    // Losses: a mean over cols terms of about 7 roundings each.
    const double terms = static_cast<double>(s.cols + 7);
    expect_close(got_p, want_p, at_least_one(want_p), 4.0, "sigmoid_cross_entropy: probabilities");
    expect_close(got_l, want_l, at_least_one(want_l), terms, "sigmoid_cross_entropy: losses");
    expect_close(got_d, want_d, at_least_one(want_d), 6.0, "sigmoid_cross_entropy: gradient");
}

BOOST_DATA_TEST_CASE(probability_cross_entropy_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make(matrix_shapes), choice, s)
{
    pair_of_backends be(choice);
    const std::size_t size = static_cast<std::size_t>(s.rows * s.cols);
    const std::vector<float> pred = random_distributions(s.rows, s.cols, 28);
    const std::vector<std::int32_t> labels = labels_for(s, 29);
    const std::vector<float> targets = random_floats(size, 30, 0.0f, 1.0f);
    for (const bool binary : {false, true}) {
        for (const bool use_labels : {true, false}) {
            std::vector<float> want_l(static_cast<std::size_t>(s.rows)), got_l(want_l.size());
            std::vector<float> want_d(size), got_d(size);
            const std::int32_t* l = use_labels ? labels.data() : nullptr;
            const float* t = use_labels ? nullptr : targets.data();
            be.reference.probability_cross_entropy(binary, s.rows, s.cols, pred.data(), l, t, 1e-7f, want_l.data(),
                                                   want_d.data(), 0.5f);
            be.candidate->probability_cross_entropy(binary, s.rows, s.cols, pred.data(), l, t, 1e-7f, got_l.data(),
                                                    got_d.data(), 0.5f);
            // A row sum (normalisation) and a sum of cols logarithms.
            const double terms = static_cast<double>(2 * s.cols + 6);
            const std::string what = std::string("probability_cross_entropy (") + (binary ? "binary" : "categorical") +
                                     (use_labels ? ", labels)" : ", targets)");
            expect_close(got_l, want_l, at_least_one(want_l), terms, what + ": losses");
            expect_close(got_d, want_d, at_least_one(want_d), terms, what + ": gradient");
        }
    }
}

BOOST_DATA_TEST_CASE(mean_squared_error_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make(matrix_shapes), choice, s)
{
    pair_of_backends be(choice);
    const std::size_t size = static_cast<std::size_t>(s.rows * s.cols);
    const std::vector<float> pred = random_floats(size, 31), targets = random_floats(size, 32);
    std::vector<float> want_l(static_cast<std::size_t>(s.rows)), got_l(want_l.size()), want_d(size), got_d(size);
    be.reference.mean_squared_error(s.rows, s.cols, pred.data(), targets.data(), want_l.data(), want_d.data(), 0.5f);
    be.candidate->mean_squared_error(s.rows, s.cols, pred.data(), targets.data(), got_l.data(), got_d.data(), 0.5f);
    // Each loss sums cols squares of differences of values in [-1, 1] (at most 4 each).
    expect_close(got_l, want_l, std::vector<double>(want_l.size(), 4.0), static_cast<double>(s.cols + 3),
                 "mean_squared_error: losses");
    expect_close(got_d, want_d, at_least_one(want_d), 4.0, "mean_squared_error: gradient");
}

BOOST_DATA_TEST_CASE(argmax_rows_matches_reference, bdata::make(accelerated_backends()) * bdata::make(matrix_shapes),
                     choice, s)
{
    pair_of_backends be(choice);
    std::vector<float> x = random_floats(static_cast<std::size_t>(s.rows * s.cols), 33);
    // Ties go to the first largest value: make some rows tie.
    for (std::int64_t r = 0; r < s.rows; r += 3) std::fill(x.begin() + r * s.cols, x.begin() + (r + 1) * s.cols, 0.5f);
    std::vector<std::int32_t> want(static_cast<std::size_t>(s.rows)), got(want.size(), -1);
    be.reference.argmax_rows(s.rows, s.cols, x.data(), want.data());
    be.candidate->argmax_rows(s.rows, s.cols, x.data(), got.data());
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

// A sum of n terms accumulated in double: L = n on M = sum |x|.
BOOST_DATA_TEST_CASE(sum_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts), choice,
                     n)
{
    pair_of_backends be(choice);
    const std::vector<float> x = random_floats(static_cast<std::size_t>(n), 34);
    double magnitude = 0.0;
    for (float v : x) magnitude += std::fabs(v);
    const double want = be.reference.sum(n, x.data());
    const double got = be.candidate->sum(n, x.data());
    BOOST_TEST(std::fabs(got - want) <= 2.0 * gamma_of(static_cast<double>(n)) * magnitude);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(optimizers)

namespace {

struct optimizer_state {
    std::vector<float> w, g, a, b, c;  // weights, gradient, up to three slots
    explicit optimizer_state(std::int64_t n)
        : w(random_floats(static_cast<std::size_t>(n), 40)),
          g(random_floats(static_cast<std::size_t>(n), 41, -0.1f, 0.1f)),
          a(random_floats(static_cast<std::size_t>(n), 42, -0.01f, 0.01f)),
          b(random_floats(static_cast<std::size_t>(n), 43, 0.0f, 1e-4f)),
          c(random_floats(static_cast<std::size_t>(n), 44, 0.0f, 2e-4f))
    {
    }
};

// A slot is a decayed old value plus a multiple of g or g^2 (|g| < 1): M
// is the sum of their sizes and of the result.
std::vector<double> slot_magnitude(const std::vector<float>& old, const std::vector<float>& updated,
                                   const std::vector<float>& g)
{
    std::vector<double> result(old.size());
    for (std::size_t i = 0; i < old.size(); ++i) {
        result[i] = std::fabs(old[i]) + std::fabs(g[i]) + std::fabs(updated[i]);
    }
    return result;
}

// The new weights are w minus a step built from about ten roundings; M is
// |w| plus the size of the step.
void expect_same_state(const optimizer_state& got, const optimizer_state& want, const optimizer_state& start,
                       const std::string& what)
{
    std::vector<double> magnitude(want.w.size());
    for (std::size_t i = 0; i < magnitude.size(); ++i) {
        magnitude[i] = std::fabs(start.w[i]) + std::fabs(static_cast<double>(want.w[i]) - start.w[i]);
    }
    expect_close(got.w, want.w, magnitude, 10.0, what + ": weights");
    expect_close(got.a, want.a, slot_magnitude(start.a, want.a, start.g), 4.0, what + ": first slot");
    expect_close(got.b, want.b, slot_magnitude(start.b, want.b, start.g), 4.0, what + ": second slot");
    expect_close(got.c, want.c, slot_magnitude(start.c, want.c, start.g), 4.0, what + ": third slot");
}

}  // namespace

BOOST_DATA_TEST_CASE(adam_matches_reference,
                     bdata::make(accelerated_backends()) * bdata::make({1, 10, 1000}) * bdata::make(element_counts),
                     choice, iteration, n)
{
    pair_of_backends be(choice);
    const optimizer_state start(n);
    for (const bool amsgrad : {false, true}) {
        optimizer_state want = start, got = start;
        be.reference.adam_update(n, 0.001f, 0.9f, 0.999f, 1e-7f, iteration, want.w.data(), want.g.data(), want.a.data(),
                                 want.b.data(), amsgrad ? want.c.data() : nullptr);
        be.candidate->adam_update(n, 0.001f, 0.9f, 0.999f, 1e-7f, iteration, got.w.data(), got.g.data(), got.a.data(),
                                  got.b.data(), amsgrad ? got.c.data() : nullptr);
        expect_same_state(got, want, start, amsgrad ? "adam_update (amsgrad)" : "adam_update");
    }
}

BOOST_DATA_TEST_CASE(sgd_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts), choice,
                     n)
{
    pair_of_backends be(choice);
    const optimizer_state start(n);
    const struct {
        float momentum;
        bool nesterov;
        bool with_velocity;
    } variants[] = {{0.0f, false, false}, {0.9f, false, true}, {0.9f, true, true}};
    for (const auto& v : variants) {
        optimizer_state want = start, got = start;
        be.reference.sgd_update(n, 0.01f, v.momentum, v.nesterov, want.w.data(), want.g.data(),
                                v.with_velocity ? want.a.data() : nullptr);
        be.candidate->sgd_update(n, 0.01f, v.momentum, v.nesterov, got.w.data(), got.g.data(),
                                 v.with_velocity ? got.a.data() : nullptr);
        expect_same_state(got, want, start, "sgd_update");
    }
}

BOOST_DATA_TEST_CASE(rmsprop_matches_reference, bdata::make(accelerated_backends()) * bdata::make(element_counts),
                     choice, n)
{
    pair_of_backends be(choice);
    const optimizer_state start(n);
    for (const bool centered : {false, true}) {
        for (const float momentum : {0.0f, 0.9f}) {
            optimizer_state want = start, got = start;
            // centered needs ms >= mg^2 for a real root: the slots are drawn so.
            be.reference.rmsprop_update(n, 0.001f, 0.9f, momentum, 1e-7f, want.w.data(), want.g.data(), want.c.data(),
                                        momentum > 0.0f ? want.a.data() : nullptr, centered ? want.b.data() : nullptr);
            be.candidate->rmsprop_update(n, 0.001f, 0.9f, momentum, 1e-7f, got.w.data(), got.g.data(), got.c.data(),
                                         momentum > 0.0f ? got.a.data() : nullptr, centered ? got.b.data() : nullptr);
            expect_same_state(got, want, start, "rmsprop_update");
        }
    }
}

// The accelerated backends flush denormals to zero (flush_denormals.hpp):
// a first moment that would sink below 1.2e-38 becomes 0, where the
// reference keeps the denormal; and the caller's floating-point mode is
// the same after the call as before.
BOOST_DATA_TEST_CASE(adam_flushes_denormals_and_keeps_the_callers_mode, bdata::make(accelerated_backends()), choice)
{
    pair_of_backends be(choice);
    const std::int64_t n = 100003;  // large enough to be split across threads
    std::vector<float> w(n, 0.5f), g(n, 0.0f), m(n, 1e-38f), v(n, 1e-4f);
    std::vector<float> ref_w = w, ref_m = m, ref_v = v;
    // The control bits of MXCSR; the low six are sticky exception flags.
    const unsigned mode_before = _mm_getcsr() & ~0x3Fu;
    be.candidate->adam_update(n, 0.001f, 0.9f, 0.999f, 1e-7f, 5, w.data(), g.data(), m.data(), v.data(), nullptr);
    BOOST_TEST((_mm_getcsr() & ~0x3Fu) == mode_before);
    be.reference.adam_update(n, 0.001f, 0.9f, 0.999f, 1e-7f, 5, ref_w.data(), g.data(), ref_m.data(), ref_v.data(),
                             nullptr);
    BOOST_TEST(std::fpclassify(ref_m[0]) == FP_SUBNORMAL);  // 0.9 * 1e-38
    BOOST_TEST(std::count(m.begin(), m.end(), 0.0f) == n);
    expect_equal(w, ref_w, "adam_update weights next to flushed moments");
    expect_equal(v, ref_v, "adam_update second moments");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

// Bad arguments fail the same way on every backend: a plugin_error with
// the reference's message, never a crash or a silent result.
BOOST_DATA_TEST_CASE(invalid_arguments_are_reported, bdata::make(accelerated_backends()), choice)
{
    const std::unique_ptr<backend> be = make_backend(choice);
    std::vector<float> buffer(64, 0.5f), more(64, 0.5f), third(64, 0.5f);
    const std::vector<std::int32_t> bad_labels = {0, 10};
    BOOST_CHECK_EXCEPTION(be->softmax_cross_entropy(2, 10, buffer.data(), bad_labels.data(), nullptr, more.data(),
                                                    third.data(), nullptr, 1.0f),
                          plugin_error, [](const plugin_error& e) {
                              return std::string(e.what()).find("label") != std::string::npos;
                          });
    BOOST_CHECK_THROW(be->adam_update(8, 0.001f, 0.9f, 0.999f, 1e-7f, 0, buffer.data(), more.data(), third.data(),
                                      third.data(), nullptr),
                      plugin_error);
    BOOST_CHECK_THROW(be->dropout_forward(8, 1.0f, 1, buffer.data(), more.data(), third.data()), plugin_error);
}

BOOST_DATA_TEST_CASE(bad_thread_count_is_refused, bdata::make({"openblas", "onednn"}), name)
{
    const plugin_record& plugin = build_tree_plugins().find(MLRUN_PLUGIN_BACKEND, name);
    for (const char* threads : {"0", "-1", "two", "2x", ""}) {
        auto create = [&] { backend refused(plugin, {{"threads", threads}}); };
        BOOST_CHECK_EXCEPTION(create(), plugin_error, [&](const plugin_error& e) {
            return std::string(e.what()).find("threads") != std::string::npos;
        });
    }
}

BOOST_AUTO_TEST_SUITE_END()
