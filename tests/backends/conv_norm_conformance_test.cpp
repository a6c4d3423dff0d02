// Convolution, pooling and normalization on every accelerated backend, one
// thread and two, against the reference: the Fashion-MNIST CNN's shapes,
// hand-picked edge cases (odd sizes, stride > kernel, dilation, 1x1,
// groups, depthwise with multiplier > 1, asymmetric padding, 1-D) and
// random shapes. Kernels a backend leaves to the reference run too.
//
// Tolerances (conformance_support.hpp): each result is a sum of L terms, so
// candidate and reference may differ by 2 gamma(L) M, M the sum of the
// terms' absolute values, obtained by running the reference on absolute
// values (|x| and |w| for the forward, and so on). L per kernel: the
// forward sums KH * KW * C_in / groups products, backward data at most
// KH * KW * C_out / groups, backward weights batch * out_h * out_w; two
// more roundings each for the conversions around them.
#define BOOST_TEST_MODULE conv_norm_conformance
#include "backend_test_support.hpp"
#include "conformance_support.hpp"

#include "mlrun/backend/window_geometry.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <random>

namespace bdata = boost::unit_test::data;
using namespace mlrun;
using namespace mlrun::test;

namespace {

using window_geometry::padding;

std::size_t count(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d)
{
    return static_cast<std::size_t>(a * b * c * d);
}

struct conv_case {
    std::string name;
    mlrun_conv2d_shape s;
};

std::ostream& operator<<(std::ostream& out, const conv_case& c)
{
    const mlrun_conv2d_shape& s = c.s;
    return out << c.name << " " << s.batch << "x" << s.in_height << "x" << s.in_width << "x" << s.in_channels << "->"
               << s.out_channels << " k" << s.kernel_height << "x" << s.kernel_width << " s" << s.stride_height << "x"
               << s.stride_width << " d" << s.dilation_height << "x" << s.dilation_width << " p" << s.pad_top << ","
               << s.pad_bottom << "," << s.pad_left << "," << s.pad_right << " g" << s.groups;
}

conv_case conv(std::string name, std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c_in,
               std::int64_t c_out, std::int64_t kh, std::int64_t kw, std::int64_t sh, std::int64_t sw,
               std::int64_t dh, std::int64_t dw, padding rows, padding cols, std::int64_t groups)
{
    mlrun_conv2d_shape s{batch, h, w, c_in, 0, 0, c_out, kh, kw, sh, sw, dh, dw,
                         rows.before, rows.after, cols.before, cols.after, groups};
    s.out_height = window_geometry::output_length(h, kh, sh, dh, rows);
    s.out_width = window_geometry::output_length(w, kw, sw, dw, cols);
    return {std::move(name), s};
}

// "same" on both axes, as TensorFlow pads it.
conv_case same_conv(std::string name, std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c_in,
                    std::int64_t c_out, std::int64_t k, std::int64_t stride, std::int64_t groups)
{
    return conv(std::move(name), batch, h, w, c_in, c_out, k, k, stride, stride, 1, 1,
                window_geometry::same_padding(h, k, stride, 1), window_geometry::same_padding(w, k, stride, 1), groups);
}

std::vector<conv_case> conv_cases()
{
    std::vector<conv_case> cases = {
        conv("fashion-mnist conv1", 32, 28, 28, 1, 32, 3, 3, 1, 1, 1, 1, {0, 0}, {0, 0}, 1),
        conv("fashion-mnist conv2", 32, 13, 13, 32, 64, 3, 3, 1, 1, 1, 1, {0, 0}, {0, 0}, 1),
        same_conv("same stride 2, odd size", 3, 7, 9, 3, 5, 3, 2, 1),
        same_conv("same stride 2, even size (asymmetric)", 2, 8, 6, 4, 4, 3, 2, 1),
        conv("stride 3 > kernel 2", 2, 11, 10, 3, 4, 2, 2, 3, 3, 1, 1, {0, 0}, {0, 0}, 1),
        conv("dilation 2", 2, 9, 10, 3, 5, 3, 3, 1, 1, 2, 2, {2, 2}, {1, 3}, 1),
        conv("dilation with stride", 1, 12, 11, 2, 3, 3, 2, 2, 3, 2, 3, {1, 0}, {0, 2}, 1),
        conv("1x1", 4, 5, 7, 6, 9, 1, 1, 1, 1, 1, 1, {0, 0}, {0, 0}, 1),
        conv("1x1 stride 2", 2, 7, 7, 5, 3, 1, 1, 2, 2, 1, 1, {0, 0}, {0, 0}, 1),
        conv("groups 2", 2, 8, 8, 6, 4, 3, 3, 1, 1, 1, 1, {1, 1}, {1, 1}, 2),
        conv("groups 3", 1, 6, 7, 9, 6, 2, 3, 1, 2, 1, 1, {0, 1}, {1, 1}, 3),
        same_conv("depthwise", 2, 9, 9, 8, 8, 3, 1, 8),
        same_conv("depthwise multiplier 3", 2, 7, 8, 4, 12, 3, 2, 4),
        conv("1-D, height 1", 3, 1, 17, 4, 6, 1, 5, 1, 2, 1, 1, {0, 0}, {2, 2}, 1),
        conv("1-D dilated", 2, 1, 20, 3, 2, 1, 3, 1, 1, 1, 3, {0, 0}, {3, 3}, 1),
        conv("kernel as large as the input", 2, 5, 4, 3, 2, 5, 4, 1, 1, 1, 1, {0, 0}, {0, 0}, 1),
        conv("padding larger than the kernel", 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, {3, 2}, {2, 3}, 1),
    };
    // Random shapes, every parameter drawn (seeded, so failures reproduce).
    std::mt19937_64 gen(20260);
    auto draw = [&](std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(gen);
    };
    for (int i = 0; i < 24; ++i) {
        const std::int64_t groups = draw(0, 3) == 0 ? draw(2, 4) : 1;
        const std::int64_t c_in = groups * draw(1, 5), c_out = groups * draw(1, 5);
        const std::int64_t kh = draw(1, 4), kw = draw(1, 4), dh = draw(1, 2), dw = draw(1, 2);
        const padding rows{draw(0, kh), draw(0, kh)}, cols{draw(0, kw), draw(0, kw)};
        const std::int64_t h = std::max<std::int64_t>(draw(1, 12), window_geometry::extent(kh, dh) - rows.before - rows.after);
        const std::int64_t w = std::max<std::int64_t>(draw(1, 12), window_geometry::extent(kw, dw) - cols.before - cols.after);
        cases.push_back(conv("random " + std::to_string(i), draw(1, 3), h, w, c_in, c_out, kh, kw, draw(1, 4),
                             draw(1, 4), dh, dw, rows, cols, groups));
    }
    return cases;
}

std::vector<float> absolute_values(const std::vector<float>& v)
{
    std::vector<float> a(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
    return a;
}

std::vector<double> widened(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

}  // namespace

BOOST_DATA_TEST_CASE(convolution_matches_reference, bdata::make(conv_cases()), c)
{
    const mlrun_conv2d_shape& s = c.s;
    backend reference;
    const std::vector<float> x = random_floats(count(s.batch, s.in_height, s.in_width, s.in_channels), 31);
    const std::vector<float> w =
        random_floats(count(s.kernel_height, s.kernel_width, s.in_channels / s.groups, s.out_channels), 32);
    const std::vector<float> dy = random_floats(count(s.batch, s.out_height, s.out_width, s.out_channels), 33);
    std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
    reference.conv2d_forward(s, x.data(), w.data(), y.data());
    reference.conv2d_backward_data(s, w.data(), dy.data(), dx.data());
    reference.conv2d_backward_weights(s, x.data(), dy.data(), dw.data());
    // M for each output: the same sums over absolute values.
    std::vector<float> y_m(y.size()), dx_m(dx.size()), dw_m(dw.size());
    reference.conv2d_forward(s, absolute_values(x).data(), absolute_values(w).data(), y_m.data());
    reference.conv2d_backward_data(s, absolute_values(w).data(), absolute_values(dy).data(), dx_m.data());
    reference.conv2d_backward_weights(s, absolute_values(x).data(), absolute_values(dy).data(), dw_m.data());
    const double taps = static_cast<double>(s.kernel_height * s.kernel_width);
    const double forward_terms = taps * static_cast<double>(s.in_channels / s.groups) + 2.0;
    const double data_terms = taps * static_cast<double>(s.out_channels / s.groups) + 2.0;
    const double weight_terms = static_cast<double>(s.batch * s.out_height * s.out_width) + 2.0;

    for (const backend_choice& choice : accelerated_backends()) {
        BOOST_TEST_CONTEXT(choice)
        {
            const std::unique_ptr<backend> be = make_backend(choice);
            // Stale values in the outputs must not leak into the results.
            std::vector<float> got_y(y.size(), 1e30f), got_dx(dx.size(), 1e30f), got_dw(dw.size(), 1e30f);
            be->conv2d_forward(s, x.data(), w.data(), got_y.data());
            be->conv2d_backward_data(s, w.data(), dy.data(), got_dx.data());
            be->conv2d_backward_weights(s, x.data(), dy.data(), got_dw.data());
            expect_close(got_y, y, widened(y_m), forward_terms, "conv2d_forward");
            expect_close(got_dx, dx, widened(dx_m), data_terms, "conv2d_backward_data");
            expect_close(got_dw, dw, widened(dw_m), weight_terms, "conv2d_backward_weights");
            // A second call with the same shape reuses what the first one made.
            be->conv2d_forward(s, x.data(), w.data(), got_y.data());
            expect_close(got_y, y, widened(y_m), forward_terms, "conv2d_forward, called again");
        }
    }
}

namespace {

struct pool_case {
    std::string name;
    mlrun_pool2d_shape s;
};

std::ostream& operator<<(std::ostream& out, const pool_case& c)
{
    const mlrun_pool2d_shape& s = c.s;
    return out << c.name << " " << s.batch << "x" << s.in_height << "x" << s.in_width << "x" << s.channels << " w"
               << s.window_height << "x" << s.window_width << " s" << s.stride_height << "x" << s.stride_width << " p"
               << s.pad_top << "," << s.pad_bottom << "," << s.pad_left << "," << s.pad_right;
}

pool_case pool(std::string name, std::int64_t batch, std::int64_t h, std::int64_t w, std::int64_t c, std::int64_t kh,
               std::int64_t kw, std::int64_t sh, std::int64_t sw, padding rows, padding cols)
{
    mlrun_pool2d_shape s{batch, h, w, c, 0, 0, kh, kw, sh, sw, rows.before, rows.after, cols.before, cols.after};
    s.out_height = window_geometry::output_length(h, kh, sh, 1, rows);
    s.out_width = window_geometry::output_length(w, kw, sw, 1, cols);
    return {std::move(name), s};
}

std::vector<pool_case> pool_cases()
{
    std::vector<pool_case> cases = {
        pool("fashion-mnist pool1", 32, 26, 26, 32, 2, 2, 2, 2, {0, 0}, {0, 0}),
        pool("fashion-mnist pool2", 32, 11, 11, 64, 2, 2, 2, 2, {0, 0}, {0, 0}),
        pool("same 3x3 stride 2, asymmetric", 2, 8, 7, 5, 3, 3, 2, 2, {0, 1}, {1, 1}),
        pool("overlapping 3x3 stride 1", 2, 6, 6, 3, 3, 3, 1, 1, {1, 1}, {1, 1}),
        pool("stride 3 > window 2", 1, 10, 9, 4, 2, 2, 3, 3, {0, 0}, {0, 1}),
        pool("global", 3, 5, 7, 6, 5, 7, 1, 1, {0, 0}, {0, 0}),
        pool("1-D", 2, 1, 15, 3, 1, 3, 1, 2, {0, 0}, {1, 1}),
    };
    std::mt19937_64 gen(20261);
    auto draw = [&](std::int64_t low, std::int64_t high) {
        return std::uniform_int_distribution<std::int64_t>(low, high)(gen);
    };
    for (int i = 0; i < 16; ++i) {
        const std::int64_t kh = draw(1, 4), kw = draw(1, 4);
        const padding rows{draw(0, kh - 1), draw(0, kh - 1)}, cols{draw(0, kw - 1), draw(0, kw - 1)};
        cases.push_back(pool("random " + std::to_string(i), draw(1, 3), std::max<std::int64_t>(draw(1, 10), kh),
                             std::max<std::int64_t>(draw(1, 10), kw), draw(1, 7), kh, kw, draw(1, 3), draw(1, 3), rows,
                             cols));
    }
    return cases;
}

}  // namespace

// Max pooling selects (exact, argmax too); its backward adds up to
// ceil(KH / SH) * ceil(KW / SW) gradients per cell. Average pooling sums
// at most KH * KW cells and divides: L = KH * KW + 2, M = the average of
// |x| (forward), of |dy| spread back (backward).
BOOST_DATA_TEST_CASE(pooling_matches_reference, bdata::make(pool_cases()), c)
{
    const mlrun_pool2d_shape& s = c.s;
    backend reference;
    const std::vector<float> x = random_floats(count(s.batch, s.in_height, s.in_width, s.channels), 41);
    const std::vector<float> dy = random_floats(count(s.batch, s.out_height, s.out_width, s.channels), 42);
    const double window_terms = static_cast<double>(s.window_height * s.window_width) + 2.0;
    for (const mlrun_pooling pooling : {MLRUN_POOLING_MAX, MLRUN_POOLING_AVERAGE}) {
        std::vector<float> y(dy.size()), dx(x.size()), y_m(dy.size()), dx_m(x.size());
        std::vector<std::int32_t> argmax(dy.size(), -1);
        reference.pool2d_forward(pooling, s, x.data(), y.data(), argmax.data());
        reference.pool2d_backward(pooling, s, x.data(), argmax.data(), dy.data(), dx.data());
        reference.pool2d_forward(pooling, s, absolute_values(x).data(), y_m.data(), nullptr);
        reference.pool2d_backward(pooling, s, x.data(), argmax.data(), absolute_values(dy).data(), dx_m.data());
        const bool max = pooling == MLRUN_POOLING_MAX;
        for (const backend_choice& choice : accelerated_backends()) {
            BOOST_TEST_CONTEXT(choice << (max ? ", max" : ", average"))
            {
                const std::unique_ptr<backend> be = make_backend(choice);
                std::vector<float> got_y(y.size(), 1e30f), got_dx(dx.size(), 1e30f), found_dx(dx.size(), 1e30f);
                std::vector<std::int32_t> got_argmax(argmax.size(), -1);
                be->pool2d_forward(pooling, s, x.data(), got_y.data(), max ? got_argmax.data() : nullptr);
                be->pool2d_backward(pooling, s, x.data(), max ? got_argmax.data() : nullptr, dy.data(),
                                    got_dx.data());
                if (max) {
                    expect_equal(got_y, y, "pool2d_forward (max)");
                    BOOST_TEST(got_argmax == argmax, boost::test_tools::per_element());
                    // Without the workspace the backward finds the same cells in x.
                    be->pool2d_backward(pooling, s, x.data(), nullptr, dy.data(), found_dx.data());
                    expect_close(found_dx, dx, widened(dx_m), window_terms, "pool2d_backward (max, no argmax)");
                } else {
                    expect_close(got_y, y, widened(y_m), window_terms, "pool2d_forward (average)");
                }
                expect_close(got_dx, dx, widened(dx_m), window_terms, "pool2d_backward");
            }
        }
    }
}

namespace {

struct matrix {
    std::int64_t rows, cols;
};
std::ostream& operator<<(std::ostream& out, const matrix& m) { return out << m.rows << "x" << m.cols; }

// Sizes of 1, odd sizes, the CNN's NHWC activations (32 * 26 * 26 rows of
// 32 channels) and long rows.
const std::vector<matrix> norm_shapes = {{1, 1}, {2, 3}, {7, 13}, {32, 10}, {21632, 32}, {300, 7}, {5, 1031}};

// M for x_hat = (x - mean) / sqrt(variance + epsilon) where the statistics
// are sums over `terms` values: the mean's error moves x_hat by up to
// gamma(terms) mean(|x|) / std, the variance's by gamma(terms) |x_hat|.
// y = gamma x_hat + beta adds |beta|. Both counted with L = terms + 4.
std::vector<double> normalized_magnitude(const std::vector<float>& x, const std::vector<float>& y,
                                         const std::vector<float>& gamma, const std::vector<float>& beta, matrix m,
                                         bool per_column, float epsilon)
{
    // Statistics of each group (column for batch norm, row for layer norm), in double.
    const std::int64_t groups = per_column ? m.cols : m.rows;
    std::vector<double> mean(groups, 0.0), mean_abs(groups, 0.0), var(groups, 0.0);
    const double n = static_cast<double>(per_column ? m.rows : m.cols);
    auto group_of = [&](std::int64_t r, std::int64_t c) { return per_column ? c : r; };
    for (std::int64_t r = 0; r < m.rows; ++r) {
        for (std::int64_t c = 0; c < m.cols; ++c) {
            const double v = x[r * m.cols + c];
            mean[group_of(r, c)] += v / n;
            mean_abs[group_of(r, c)] += std::fabs(v) / n;
        }
    }
    for (std::int64_t r = 0; r < m.rows; ++r) {
        for (std::int64_t c = 0; c < m.cols; ++c) {
            const double d = x[r * m.cols + c] - mean[group_of(r, c)];
            var[group_of(r, c)] += d * d / n;
        }
    }
    std::vector<double> magnitude(x.size());
    for (std::int64_t r = 0; r < m.rows; ++r) {
        for (std::int64_t c = 0; c < m.cols; ++c) {
            const std::int64_t g = group_of(r, c);
            const double inv_std = 1.0 / std::sqrt(var[g] + epsilon);
            const double x_hat = (x[r * m.cols + c] - mean[g]) * inv_std;
            magnitude[r * m.cols + c] = std::fabs(gamma[c]) * ((std::fabs(x[r * m.cols + c]) + mean_abs[g]) * inv_std +
                                                              std::fabs(x_hat)) +
                                        std::fabs(beta[c]) + std::fabs(y[r * m.cols + c]);
        }
    }
    return magnitude;
}

}  // namespace

// Batch normalization: statistics over `rows` values per channel. The
// backward's dx = gamma / std (dy - mean(dy) - x_hat mean(dy x_hat)) takes
// M = |gamma| / std (|dy| + mean |dy| + |x_hat| mean(|dy| (|x_hat| + 1)))
// plus the forward's x_hat error, L = rows + 8; dgamma and dbeta sum
// `rows` terms.
BOOST_DATA_TEST_CASE(batch_normalization_matches_reference, bdata::make(norm_shapes), m)
{
    const float epsilon = 1e-3f;
    const auto n = static_cast<std::size_t>(m.rows * m.cols);
    const auto channels = static_cast<std::size_t>(m.cols);
    backend reference;
    // An offset mean, as activations have, so the statistics are not trivially 0.
    const std::vector<float> x = random_floats(n, 51, -1.0f, 3.0f);
    const std::vector<float> dy = random_floats(n, 52);
    const std::vector<float> gamma = random_floats(channels, 53, 0.5f, 1.5f), beta = random_floats(channels, 54);
    std::vector<float> y(n), mean(channels), variance(channels), y_inf(n), dx(n), dgamma(channels), dbeta(channels),
        dx_inf(n);
    reference.batch_norm_forward_training(m.rows, m.cols, x.data(), gamma.data(), beta.data(), epsilon, y.data(),
                                          mean.data(), variance.data());
    reference.batch_norm_forward_inference(m.rows, m.cols, x.data(), gamma.data(), beta.data(), mean.data(),
                                           variance.data(), epsilon, y_inf.data());
    reference.batch_norm_backward(true, m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(),
                                  variance.data(), epsilon, dx.data(), dgamma.data(), dbeta.data());
    reference.batch_norm_backward(false, m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(),
                                  variance.data(), epsilon, dx_inf.data(), nullptr, nullptr);

    const double rows_terms = static_cast<double>(m.rows) + 4.0;
    const std::vector<double> y_m = normalized_magnitude(x, y, gamma, beta, m, true, epsilon);
    std::vector<double> mean_m(channels), var_m(channels), dgamma_m(channels), dbeta_m(channels), dx_m(n),
        dx_inf_m(n);
    for (std::size_t c = 0; c < channels; ++c) {
        const double inv_std = 1.0 / std::sqrt(double{variance[c]} + epsilon);
        double abs_dy = 0.0, abs_dy_x_hat = 0.0;
        for (std::int64_t r = 0; r < m.rows; ++r) {
            const std::size_t i = static_cast<std::size_t>(r) * channels + c;
            const double x_hat = (x[i] - double{mean[c]}) * inv_std;
            mean_m[c] += std::fabs(x[i]) / static_cast<double>(m.rows);
            var_m[c] += (std::fabs(x[i]) + std::fabs(mean[c])) * (std::fabs(x[i]) + std::fabs(mean[c])) /
                        static_cast<double>(m.rows);
            abs_dy += std::fabs(dy[i]);
            abs_dy_x_hat += std::fabs(dy[i]) * (std::fabs(x_hat) + 1.0);
        }
        dgamma_m[c] = abs_dy_x_hat;
        dbeta_m[c] = abs_dy;
        for (std::int64_t r = 0; r < m.rows; ++r) {
            const std::size_t i = static_cast<std::size_t>(r) * channels + c;
            const double x_hat = (x[i] - double{mean[c]}) * inv_std;
            dx_m[i] = std::fabs(gamma[c]) * inv_std *
                      (std::fabs(dy[i]) + abs_dy / m.rows + (std::fabs(x_hat) + 1.0) * abs_dy_x_hat / m.rows);
            dx_inf_m[i] = std::fabs(gamma[c]) * inv_std * std::fabs(dy[i]);
        }
    }
    for (const backend_choice& choice : accelerated_backends()) {
        BOOST_TEST_CONTEXT(choice)
        {
            const std::unique_ptr<backend> be = make_backend(choice);
            std::vector<float> got_y(n, 1e30f), got_mean(channels), got_variance(channels), got_y_inf(n, 1e30f),
                got_dx(n, 1e30f), got_dgamma(channels, 1e30f), got_dbeta(channels, 1e30f), got_dx_inf(n, 1e30f);
            be->batch_norm_forward_training(m.rows, m.cols, x.data(), gamma.data(), beta.data(), epsilon,
                                            got_y.data(), got_mean.data(), got_variance.data());
            be->batch_norm_forward_inference(m.rows, m.cols, x.data(), gamma.data(), beta.data(), mean.data(),
                                             variance.data(), epsilon, got_y_inf.data());
            be->batch_norm_backward(true, m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(),
                                    variance.data(), epsilon, got_dx.data(), got_dgamma.data(), got_dbeta.data());
            be->batch_norm_backward(false, m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(),
                                    variance.data(), epsilon, got_dx_inf.data(), nullptr, nullptr);
            expect_close(got_mean, mean, mean_m, rows_terms, "batch_norm_forward_training mean");
            expect_close(got_variance, variance, var_m, rows_terms, "batch_norm_forward_training variance");
            expect_close(got_y, y, y_m, rows_terms, "batch_norm_forward_training y");
            expect_close(got_y_inf, y_inf, y_m, 8.0, "batch_norm_forward_inference");
            expect_close(got_dx, dx, dx_m, rows_terms + 4.0, "batch_norm_backward dx");
            expect_close(got_dgamma, dgamma, dgamma_m, rows_terms, "batch_norm_backward dgamma");
            expect_close(got_dbeta, dbeta, dbeta_m, rows_terms, "batch_norm_backward dbeta");
            expect_close(got_dx_inf, dx_inf, dx_inf_m, 8.0, "batch_norm_backward (inference statistics) dx");
        }
    }
}

// Layer normalization: the same bounds with rows and columns exchanged
// (statistics over `cols` values per row; dgamma and dbeta sum over rows).
BOOST_DATA_TEST_CASE(layer_normalization_matches_reference, bdata::make(norm_shapes), m)
{
    const float epsilon = 1e-3f;
    const auto n = static_cast<std::size_t>(m.rows * m.cols);
    const auto rows = static_cast<std::size_t>(m.rows), cols = static_cast<std::size_t>(m.cols);
    backend reference;
    const std::vector<float> x = random_floats(n, 61, -1.0f, 3.0f);
    const std::vector<float> dy = random_floats(n, 62);
    const std::vector<float> gamma = random_floats(cols, 63, 0.5f, 1.5f), beta = random_floats(cols, 64);
    std::vector<float> y(n), mean(rows), variance(rows), dx(n), dgamma(cols), dbeta(cols);
    reference.layer_norm_forward(m.rows, m.cols, x.data(), gamma.data(), beta.data(), epsilon, y.data(), mean.data(),
                                 variance.data());
    reference.layer_norm_backward(m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(), variance.data(),
                                  epsilon, dx.data(), dgamma.data(), dbeta.data());

    const double cols_terms = static_cast<double>(m.cols) + 4.0;
    const std::vector<double> y_m = normalized_magnitude(x, y, gamma, beta, m, false, epsilon);
    std::vector<double> mean_m(rows), var_m(rows), dgamma_m(cols, 0.0), dbeta_m(cols, 0.0), dx_m(n);
    for (std::size_t r = 0; r < rows; ++r) {
        const double inv_std = 1.0 / std::sqrt(double{variance[r]} + epsilon);
        double abs_g = 0.0, abs_g_x_hat = 0.0;
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            const double x_hat = (x[i] - double{mean[r]}) * inv_std;
            mean_m[r] += std::fabs(x[i]) / m.cols;
            var_m[r] += (std::fabs(x[i]) + std::fabs(mean[r])) * (std::fabs(x[i]) + std::fabs(mean[r])) / m.cols;
            abs_g += std::fabs(dy[i] * gamma[c]);
            abs_g_x_hat += std::fabs(dy[i] * gamma[c]) * (std::fabs(x_hat) + 1.0);
            dgamma_m[c] += std::fabs(dy[i]) * (std::fabs(x_hat) + 1.0);
            dbeta_m[c] += std::fabs(dy[i]);
        }
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t i = r * cols + c;
            const double x_hat = (x[i] - double{mean[r]}) * inv_std;
            dx_m[i] = inv_std * (std::fabs(dy[i] * gamma[c]) + abs_g / m.cols +
                                 (std::fabs(x_hat) + 1.0) * abs_g_x_hat / m.cols);
        }
    }
    const double rows_terms = static_cast<double>(m.rows) + 4.0;
    for (const backend_choice& choice : accelerated_backends()) {
        BOOST_TEST_CONTEXT(choice)
        {
            const std::unique_ptr<backend> be = make_backend(choice);
            std::vector<float> got_y(n, 1e30f), got_mean(rows), got_variance(rows), got_dx(n, 1e30f),
                got_dgamma(cols, 1e30f), got_dbeta(cols, 1e30f);
            be->layer_norm_forward(m.rows, m.cols, x.data(), gamma.data(), beta.data(), epsilon, got_y.data(),
                                   got_mean.data(), got_variance.data());
            be->layer_norm_backward(m.rows, m.cols, x.data(), dy.data(), gamma.data(), mean.data(), variance.data(),
                                    epsilon, got_dx.data(), got_dgamma.data(), got_dbeta.data());
            expect_close(got_mean, mean, mean_m, cols_terms, "layer_norm_forward mean");
            expect_close(got_variance, variance, var_m, cols_terms, "layer_norm_forward variance");
            expect_close(got_y, y, y_m, cols_terms, "layer_norm_forward y");
            expect_close(got_dx, dx, dx_m, cols_terms + 4.0, "layer_norm_backward dx");
            expect_close(got_dgamma, dgamma, dgamma_m, rows_terms, "layer_norm_backward dgamma");
            expect_close(got_dbeta, dbeta, dbeta_m, rows_terms, "layer_norm_backward dbeta");
        }
    }
}
