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
#include "mlrun/checkpoint/model_state.hpp"
#include "optim/optimizer_yaml.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <memory>
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

// ---- Keras 3's common options and AdamW, against the rules of
// keras/src/optimizers/base_optimizer.py (Keras 3): clip the gradients,
// then w -= lr * weight_decay * w, then the update, then the moving average.

namespace {

// Two parameters with gradients set afresh before every step, as training does.
struct two_weights {
    parameter a{"a", tensor({2}), tensor({2})};
    parameter b{"b", tensor({1}), tensor({1})};
    std::unique_ptr<optimizer> opt;
    backend be;

    explicit two_weights(const std::string& spec) : opt(make_optimizer(YAML::Load(spec), "<test>"))
    {
        a.value.f32()[0] = 1.0f, a.value.f32()[1] = -2.0f, b.value.f32()[0] = 0.5f;
        opt->attach({&a, &b});
    }
    void step(float ga0, float ga1, float gb)
    {
        a.grad.f32()[0] = ga0, a.grad.f32()[1] = ga1, b.grad.f32()[0] = gb;
        opt->step(be);
    }
};

// Adam's step in double: returns the new w and updates m, v.
double adam_step(double w, double g, double& m, double& v, int t, double lr)
{
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    const double alpha = lr * std::sqrt(1.0 - std::pow(0.999, t)) / (1.0 - std::pow(0.9, t));
    return w - alpha * m / (std::sqrt(v) + 1e-7);
}

}  // namespace

BOOST_AUTO_TEST_CASE(adamw_decays_before_the_adam_update)
{
    const auto w = run("{adamw: {learning_rate: 0.1}}", 3);
    double want = 1.0, m = 0.0, v = 0.0;
    for (int t = 1; t <= 3; ++t) {
        want -= 0.1 * 0.004 * want;  // Keras 3 AdamW's default weight_decay
        want = adam_step(want, 0.5, m, v, t, 0.1);
        BOOST_TEST(w[t - 1] == want, boost::test_tools::tolerance(tolerance));
    }
    auto opt = make_optimizer(YAML::Load("adamw"), "<test>");
    BOOST_TEST(opt->class_name() == "AdamW");
    BOOST_TEST(std::get<adamw_options>(opt->config()).common.weight_decay == 0.004,
               boost::test_tools::tolerance(1e-7));
    BOOST_TEST((opt->slot_names() == std::vector<std::string>{"m", "v"}));
}

// SGD with weight_decay 0.1, lr 0.1: w1 = 1 - 0.01 - 0.05 = 0.94; w2 = 0.94 * 0.99 - 0.05 = 0.8806.
BOOST_AUTO_TEST_CASE(weight_decay_applies_to_every_optimizer)
{
    const auto w = run("{sgd: {learning_rate: 0.1, weight_decay: 0.1}}", 2);
    BOOST_TEST(w[0] == 0.94, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(w[1] == 0.8806, boost::test_tools::tolerance(tolerance));
}

// clipnorm 1: a's gradient (3, 4) has norm 5 and becomes (0.6, 0.8); b's
// (0.5) is under the limit and stays.
BOOST_AUTO_TEST_CASE(clipnorm_clips_each_gradient_by_its_own_norm)
{
    two_weights t("{sgd: {learning_rate: 1.0, clipnorm: 1.0}}");
    t.step(3.0f, 4.0f, 0.5f);
    BOOST_TEST(t.a.value.f32()[0] == 1.0 - 0.6, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.a.value.f32()[1] == -2.0 - 0.8, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.b.value.f32()[0] == 0.0, boost::test_tools::tolerance(tolerance));
}

// global_clipnorm 2.6: the joint norm of (3, 4) and (12) is 13, so every
// gradient is scaled by 2.6 / 13 = 0.2.
BOOST_AUTO_TEST_CASE(global_clipnorm_scales_all_gradients_together)
{
    two_weights t("{sgd: {learning_rate: 1.0, global_clipnorm: 2.6}}");
    t.step(3.0f, 4.0f, 12.0f);
    BOOST_TEST(t.a.value.f32()[0] == 1.0 - 0.6, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.a.value.f32()[1] == -2.0 - 0.8, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.b.value.f32()[0] == 0.5 - 2.4, boost::test_tools::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(clipvalue_clips_each_element)
{
    two_weights t("{sgd: {learning_rate: 1.0, clipvalue: 0.5}}");
    t.step(3.0f, -0.25f, -4.0f);
    BOOST_TEST(t.a.value.f32()[0] == 0.5, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.a.value.f32()[1] == -1.75, boost::test_tools::tolerance(tolerance));
    BOOST_TEST(t.b.value.f32()[0] == 1.0, boost::test_tools::tolerance(tolerance));
}

BOOST_AUTO_TEST_CASE(only_one_clipping_may_be_set)
{
    try {
        make_optimizer(YAML::Load("{adam: {clipnorm: 1.0, clipvalue: 0.5}}"), "exp.yaml");
        BOOST_FAIL("expected a config_error");
    } catch (const config_error& e) {
        const std::string message = e.what();
        BOOST_TEST(message.find("only one of clipnorm, clipvalue and global_clipnorm") != std::string::npos, message);
    }
}

// use_ema: the average starts at the weights after the first step, then
// average = 0.5 average + 0.5 w; every second step it replaces the weights.
BOOST_AUTO_TEST_CASE(moving_average_of_the_weights)
{
    const char* spec = "{sgd: {learning_rate: 0.1, use_ema: true, ema_momentum: 0.5, ema_overwrite_frequency: 2}}";
    parameter p{"w", tensor({1}), tensor({1})};
    p.value.f32()[0] = 1.0f;
    auto opt = make_optimizer(YAML::Load(spec), "<test>");
    BOOST_TEST((opt->slot_names() == std::vector<std::string>{"average"}));
    opt->attach({&p});
    backend be;
    double w = 1.0, average = 0.0;
    for (int t = 1; t <= 4; ++t) {
        p.grad.f32()[0] = 0.5f;
        opt->step(be);
        w -= 0.1 * 0.5;
        average = t == 1 ? w : 0.5 * average + 0.5 * w;
        if (t % 2 == 0) w = average;
        BOOST_TEST(p.value.f32()[0] == w, boost::test_tools::tolerance(tolerance));
        BOOST_TEST(opt->slots()[0][0].f32()[0] == average, boost::test_tools::tolerance(tolerance));
    }
}

BOOST_AUTO_TEST_CASE(common_settings_round_trip_through_yaml)
{
    const char* spec = "{rmsprop: {clipnorm: 2.5, weight_decay: 0.01, use_ema: true, ema_overwrite_frequency: 7}}";
    const optimizer_spec parsed = parse_optimizer_spec(YAML::Load(spec), "<test>");
    const YAML::Node encoded = encode_optimizer_settings(parsed);
    BOOST_TEST(encoded["clipnorm"].as<float>() == 2.5f);
    BOOST_TEST(encoded["weight_decay"].as<float>() == 0.01f);
    BOOST_TEST(encoded["use_ema"].as<bool>());
    BOOST_TEST(encoded["ema_overwrite_frequency"].as<int>() == 7);
    YAML::Node again;
    again["rmsprop"] = encoded;
    const auto back = std::get<rmsprop_options>(parse_optimizer_spec(again, "<test>"));
    BOOST_TEST(back.common.clipnorm == 2.5f);
    BOOST_TEST(back.common.ema_overwrite_frequency == 7);
}

// The average slot is saved and restored with the other slots, under its name.
BOOST_AUTO_TEST_CASE(moving_average_slot_round_trips_through_a_checkpoint)
{
    const char* spec = "{adamw: {use_ema: true}}";
    auto m = testing::model_from_yaml("[{Dense: {units: 2, input_shape: [3]}}]");
    auto opt = make_optimizer(YAML::Load(spec), "<test>");
    opt->attach(m->parameters());
    backend be;
    for (parameter* p : m->parameters()) be.fill(p->grad.size(), 0.25f, p->grad.f32());
    opt->step(be);
    opt->step(be);
    BOOST_TEST((opt->slot_names() == std::vector<std::string>{"m", "v", "average"}));
    const checkpoint saved = capture_state(*m, opt.get());

    auto fresh = testing::model_from_yaml("[{Dense: {units: 2, input_shape: [3]}}]", 9);
    auto restored = make_optimizer(YAML::Load(spec), "<test>");
    restored->attach(fresh->parameters());
    BOOST_TEST(restore_state(*fresh, restored.get(), saved, false, "<test>").empty());
    BOOST_TEST(restored->iterations() == 2);
    for (std::size_t p = 0; p < opt->slots().size(); ++p) {
        for (std::size_t s = 0; s < 3; ++s) {
            const tensor& want = opt->slots()[p][s];
            const tensor& got = restored->slots()[p][s];
            for (std::int64_t i = 0; i < want.size(); ++i) BOOST_TEST(got.f32()[i] == want.f32()[i]);
        }
    }
}
