// BatchNormalization: Keras's formulas at inference and in training, the
// moving statistics it updates itself, and gradients against finite
// differences.
#define BOOST_TEST_MODULE batch normalization
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/rng.hpp"
#include "mlrun/layers/batch_normalization.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <cmath>

using namespace mlrun;

namespace {

struct fixture {
    plugin_registry plugins{std::vector<boost::filesystem::path>{}};
    backend be{plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}}};
    batch_normalization_layer layer{"bn", batch_normalization_options{-1, 0.9f, 0.001f, true, true}};
    rng gen{17};
    tensor x{{6, 3}};

    fixture()
    {
        layer.build({shape({3})}, gen);
        for (std::int64_t i = 0; i < x.size(); ++i) x.f32()[i] = gen.uniform(-2.0f, 3.0f);
        for (parameter& p : layer.parameters()) {
            if (p.name == "gamma" || p.name == "beta") {
                for (std::int64_t i = 0; i < p.value.size(); ++i) p.value.f32()[i] = gen.uniform(0.5f, 1.5f);
            }
        }
    }
    parameter& weight(const std::string& name)
    {
        for (parameter& p : layer.parameters()) {
            if (p.name == name) return p;
        }
        throw std::logic_error("no " + name);
    }
    tensor run(bool training)
    {
        forward_context ctx{be, training, 0};
        tensor y;
        layer.forward(ctx, {&x}, y);
        return y;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(batch_normalization, fixture)

BOOST_AUTO_TEST_CASE(weights_in_keras_order_with_the_moving_statistics_not_trainable)
{
    std::vector<std::string> names;
    for (const parameter& p : layer.parameters()) names.push_back(p.name + (p.trainable ? "" : " (fixed)"));
    BOOST_TEST(names == (std::vector<std::string>{"gamma", "beta", "moving_mean (fixed)", "moving_variance (fixed)"}),
               boost::test_tools::per_element());
    BOOST_CHECK_EQUAL(weight("moving_variance").value.f32()[2], 1.0f);
}

BOOST_AUTO_TEST_CASE(inference_uses_the_moving_statistics)
{
    for (int j = 0; j < 3; ++j) weight("moving_mean").value.f32()[j] = 0.5f * j, weight("moving_variance").value.f32()[j] = 2.0f + j;
    const tensor y = run(false);
    for (int r = 0; r < 6; ++r) {
        for (int j = 0; j < 3; ++j) {
            const double expected = weight("gamma").value.f32()[j] * (x.f32()[r * 3 + j] - 0.5 * j) / std::sqrt(2.0 + j + 0.001) +
                                    weight("beta").value.f32()[j];
            BOOST_CHECK_SMALL(y.f32()[r * 3 + j] - expected, 1e-5);  // float32 result of a double formula
        }
    }
}

BOOST_AUTO_TEST_CASE(training_normalises_by_the_batch_and_moves_the_averages)
{
    const tensor y = run(true);
    for (int j = 0; j < 3; ++j) {
        double mean = 0, variance = 0, out_mean = 0;
        for (int r = 0; r < 6; ++r) mean += x.f32()[r * 3 + j] / 6.0, out_mean += y.f32()[r * 3 + j] / 6.0;
        for (int r = 0; r < 6; ++r) variance += std::pow(x.f32()[r * 3 + j] - mean, 2) / 6.0;  // biased, as Keras
        BOOST_CHECK_SMALL(out_mean - weight("beta").value.f32()[j], 1e-5);
        BOOST_CHECK_SMALL(weight("moving_mean").value.f32()[j] - 0.1 * mean, 1e-6);
        BOOST_CHECK_SMALL(weight("moving_variance").value.f32()[j] - (0.9 + 0.1 * variance), 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences)
{
    // Loss = sum(c * y) for fixed random c; checks d/dx, d/dgamma, d/dbeta.
    tensor c({6, 3});
    for (std::int64_t i = 0; i < c.size(); ++i) c.f32()[i] = gen.uniform(-1.0f, 1.0f);
    auto loss = [&] {
        const tensor y = run(true);
        double sum = 0;
        for (std::int64_t i = 0; i < y.size(); ++i) sum += static_cast<double>(c.f32()[i]) * y.f32()[i];
        return sum;
    };
    const tensor y = run(true);
    tensor dx;
    std::vector<tensor*> grads = {&dx};
    layer.backward(be, {&x}, y, c, grads);
    const tensor analytic_dx = dx;
    const tensor dgamma = weight("gamma").grad;
    const tensor dbeta = weight("beta").grad;
    // Central differences with step 1e-2 in float32: truncation error O(h^2)
    // ~1e-4 and rounding ~1e-7/h ~1e-5 on gradients of order 1.
    const float h = 1e-2f;
    auto numeric = [&](float& value) {
        const float saved = value;
        value = saved + h;
        const double up = loss();
        value = saved - h;
        const double down = loss();
        value = saved;
        return (up - down) / (2.0 * h);
    };
    for (std::int64_t i = 0; i < x.size(); ++i) BOOST_CHECK_SMALL(numeric(x.f32()[i]) - analytic_dx.f32()[i], 2e-3);
    for (int j = 0; j < 3; ++j) {
        BOOST_CHECK_SMALL(numeric(weight("gamma").value.f32()[j]) - dgamma.f32()[j], 2e-3);
        BOOST_CHECK_SMALL(numeric(weight("beta").value.f32()[j]) - dbeta.f32()[j], 2e-3);
    }
}

BOOST_AUTO_TEST_SUITE_END()
