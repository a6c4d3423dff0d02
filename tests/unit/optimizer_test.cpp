// Optimizer steps against values computed by hand (in double precision,
// from the update rules written out in the comments).
//
// Every case starts at w = 1 with a constant gradient g = 0.5. float32
// carries about 7 significant digits, so results are compared to 1e-6.
#define BOOST_TEST_MODULE optimizers
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "optim/optimizer_yaml.hpp"

#include <vector>

using namespace mlrun;

namespace {

// Runs `steps` updates of a one-element parameter and returns w after each.
std::vector<double> run(const std::string& spec, int steps)
{
    parameter p{"w", tensor({1}), tensor({1})};
    p.value.f32()[0] = 1.0f;
    p.grad.f32()[0] = 0.5f;
    auto opt = make_optimizer(YAML::Load(spec), "<test>");
    opt->attach({&p});
    backend be;
    std::vector<double> trace;
    for (int i = 0; i < steps; ++i) {
        opt->step(be);
        trace.push_back(p.value.f32()[0]);
    }
    BOOST_TEST(opt->iterations() == steps);
    return trace;
}

constexpr double tolerance = 1e-6;

}  // namespace

// m1 = 0.05, v1 = 0.00025, alpha1 = 0.1 sqrt(1 - 0.999) / (1 - 0.9) = 0.0316228,
// w1 = 1 - alpha1 m1 / (sqrt(v1) + 1e-7) = 0.90000063. Without the bias
// correction the first step would move w to 0.684.
BOOST_AUTO_TEST_CASE(adam_applies_bias_correction)
{
    const auto w = run("{adam: {learning_rate: 0.1}}", 2);
    BOOST_TEST(w[0] == 0.9000006324515321, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.8000010797749726, boost::test_tools::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(adam_defaults_are_keras_defaults)
{
    auto opt = make_optimizer(YAML::Load("adam"), "<test>");
    const auto c = std::get<adam_options>(opt->config());
    // Settings are float32, so compare to float precision.
    BOOST_TEST(c.learning_rate == 0.001, boost::test_tools::tolerance(1e-7));
    BOOST_TEST(c.beta_1 == 0.9, boost::test_tools::tolerance(1e-7));
    BOOST_TEST(c.beta_2 == 0.999, boost::test_tools::tolerance(1e-7));
    BOOST_TEST(c.epsilon == 1e-7, boost::test_tools::tolerance(1e-7));
    BOOST_TEST(c.amsgrad == false);
    BOOST_TEST((opt->slot_names() == std::vector<std::string>{"m", "v"}));
}

// With a constant gradient v only grows, so AMSGrad's max(vhat, v) equals v
// and the trajectory matches plain Adam; the extra slot must exist.
BOOST_AUTO_TEST_CASE(amsgrad_keeps_the_maximum)
{
    const auto w = run("{adam: {learning_rate: 0.1, amsgrad: true}}", 2);
    BOOST_TEST(w[1] == 0.8000010797749726, boost::test_tools::tolerance(tolerance));
    auto opt = make_optimizer(YAML::Load("{adam: {amsgrad: true}}"), "<test>");
    BOOST_TEST((opt->slot_names() == std::vector<std::string>{"m", "v", "vhat"}));
}

// v = 0.9 v - 0.1 g: v1 = -0.05, w1 = 0.95; v2 = -0.095, w2 = 0.855.
BOOST_AUTO_TEST_CASE(sgd_with_momentum)
{
    const auto w = run("{sgd: {learning_rate: 0.1, momentum: 0.9}}", 2);
    BOOST_TEST(w[0] == 0.95, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.855, boost::test_tools::tolerance(tolerance));
}

// Nesterov: w += 0.9 v - 0.1 g: w1 = 1 - 0.045 - 0.05 = 0.905, w2 = 0.7695.
BOOST_AUTO_TEST_CASE(sgd_with_nesterov_momentum)
{
    const auto w = run("{sgd: {learning_rate: 0.1, momentum: 0.9, nesterov: true}}", 2);
    BOOST_TEST(w[0] == 0.905, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.7695, boost::test_tools::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(plain_sgd)
{
    const auto w = run("{sgd: {learning_rate: 0.1}}", 2);
    BOOST_TEST(w[0] == 0.95, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.9, boost::test_tools::tolerance(tolerance));
}

// ms1 = 0.1 * 0.25 = 0.025, w1 = 1 - 0.01 * 0.5 / sqrt(0.025 + 1e-7) = 0.96837729;
// ms2 = 0.0475, w2 = 0.94543574.
BOOST_AUTO_TEST_CASE(rmsprop)
{
    const auto w = run("{rmsprop: {learning_rate: 0.01}}", 2);
    BOOST_TEST(w[0] == 0.9683772866436797, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.94543573740561, boost::test_tools::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(unknown_optimizer_suggests_the_closest)
{
    try {
        make_optimizer(YAML::Load("adma"), "exp.yaml");
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("unknown optimizer 'adma'") != std::string::npos, message);
        BOOST_TEST(message.find("did you mean 'adam'") != std::string::npos, message);
    }
}

BOOST_AUTO_TEST_CASE(unknown_setting_is_an_error)
{
    BOOST_CHECK_THROW(make_optimizer(YAML::Load("{adam: {learnin_rate: 0.1}}"), "exp.yaml"), config_error);
}
