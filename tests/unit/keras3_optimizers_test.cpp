// Nadam, Adagrad, Adadelta and Adamax against Keras 3's update rules
// (keras/src/optimizers/*.py, written out below in double precision) and,
// where TensorFlow.js has the same rule, against TF.js itself (Adagrad and
// Adamax; TF.js 4.22's Adadelta divides by the squared-gradient average of
// the step before, which Keras does not, and it has no Nadam).
//
// Tolerances: the optimizers run in float32, the references in double; a
// few steps of about ten float operations each stay within 1e-5 of w ~ 1.
#define BOOST_TEST_MODULE keras3_optimizers
#include <boost/test/unit_test.hpp>

#include "mlrun/backend/backend.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/optim/optimizers.hpp"
#include "optim/optimizer_yaml.hpp"
#include "support/tfjs_oracle.hpp"
#include "support/run_command.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <vector>

using namespace mlrun;
namespace tt = boost::test_tools;

namespace {

constexpr double tolerance = 1e-5;
constexpr int weights = 3;
const double start[weights] = {1.0, -2.0, 0.5};

// The gradient of step t (from 1): signs and sizes change from step to step.
// tests/unit/tfjs/optimizer_steps.js uses the same.
float gradient(int t, int i) { return static_cast<float>((i + 1) * std::sin(1.0 + i + 0.7 * t)); }

// w after each of `steps` steps of the optimizer `spec` describes.
std::vector<std::vector<double>> run(const std::string& spec, int steps)
{
    parameter p{"w", tensor({weights}), tensor({weights})};
    for (int i = 0; i < weights; ++i) p.value.f32()[i] = static_cast<float>(start[i]);
    auto opt = make_optimizer(YAML::Load(spec), "<test>");
    opt->attach({&p});
    backend be;
    std::vector<std::vector<double>> trace;
    for (int t = 1; t <= steps; ++t) {
        for (int i = 0; i < weights; ++i) p.grad.f32()[i] = gradient(t, i);
        opt->step(be);
        trace.emplace_back(p.value.f32(), p.value.f32() + weights);
    }
    return trace;
}

void check_trace(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want)
{
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t t = 0; t < got.size(); ++t) {
        for (int i = 0; i < weights; ++i) {
            BOOST_TEST_CONTEXT("step " << t + 1 << ", w[" << i << "]")
            {
                BOOST_TEST(got[t][i] == want[t][i], tt::tolerance(tolerance));
            }
        }
    }
}

// ---- the references, in double

std::vector<std::vector<double>> nadam_reference(double lr, double beta_1, double beta_2, double epsilon, int steps)
{
    std::vector<double> w(start, start + weights), m(weights, 0.0), v(weights, 0.0);
    double u_product = 1.0;
    std::vector<std::vector<double>> trace;
    for (int t = 1; t <= steps; ++t) {
        const double u_t = beta_1 * (1.0 - 0.5 * std::pow(0.96, t));
        const double u_next = beta_1 * (1.0 - 0.5 * std::pow(0.96, t + 1));
        u_product *= u_t;
        const double u_product_next = u_product * u_next;
        for (int i = 0; i < weights; ++i) {
            const double g = gradient(t, i);
            m[i] += (g - m[i]) * (1.0 - beta_1);
            v[i] += (g * g - v[i]) * (1.0 - beta_2);
            const double m_hat = u_next * m[i] / (1.0 - u_product_next) + (1.0 - u_t) * g / (1.0 - u_product);
            const double v_hat = v[i] / (1.0 - std::pow(beta_2, t));
            w[i] -= lr * m_hat / (std::sqrt(v_hat) + epsilon);
        }
        trace.push_back(w);
    }
    return trace;
}

std::vector<std::vector<double>> adadelta_reference(double lr, double rho, double epsilon, int steps)
{
    std::vector<double> w(start, start + weights), grads(weights, 0.0), deltas(weights, 0.0);
    std::vector<std::vector<double>> trace;
    for (int t = 1; t <= steps; ++t) {
        for (int i = 0; i < weights; ++i) {
            const double g = gradient(t, i);
            grads[i] = rho * grads[i] + (1.0 - rho) * g * g;
            const double delta = -std::sqrt(deltas[i] + epsilon) * g / std::sqrt(grads[i] + epsilon);
            deltas[i] = rho * deltas[i] + (1.0 - rho) * delta * delta;
            w[i] += lr * delta;
        }
        trace.push_back(w);
    }
    return trace;
}

// ---- TensorFlow.js

using mlrun::testing::tfjs_dir;
using mlrun::testing::tfjs_present;

// The trace TF.js's optimizer `name` gives (tests/unit/tfjs/optimizer_steps.js).
std::vector<std::vector<double>> tfjs_trace(const std::string& name, int steps)
{
    const auto ran = testing::run_command("node '" + testing::source_dir() + "/tests/unit/tfjs/optimizer_steps.js' '" +
                                          tfjs_dir() + "' " + name + " " + std::to_string(steps));
    BOOST_TEST_REQUIRE(ran.exit_code == 0, ran.output);
    // The last line is {"steps":[[a,b,c],...]}: read the numbers in order.
    std::string line = ran.output.substr(ran.output.rfind("{\"steps\""));
    for (char& c : line) {
        if (c == '[' || c == ']' || c == ',' || c == '{' || c == '}' || c == ':' || c == '"') c = ' ';
    }
    std::istringstream in(line.substr(line.find("steps") + 5));
    std::vector<std::vector<double>> trace(steps, std::vector<double>(weights));
    for (auto& w : trace) {
        for (double& x : w) in >> x;
    }
    BOOST_TEST_REQUIRE(!in.fail(), ran.output);
    return trace;
}

}  // namespace

// ---- the update rules

// By hand, for g = 0.5 on the first step (lr 0.1): u_1 = 0.9 (1 - 0.5 * 0.96)
// = 0.468, u_2 = 0.48528, m = 0.05, v = 0.00025, m_hat = 0.48528 * 0.05 /
// (1 - 0.468 * 0.48528) + 0.532 * 0.5 / 0.532 = 0.5313939, v_hat = 0.25, w =
// 1 - 0.1 * 0.5313939 / 0.5 = 0.8937212.
BOOST_AUTO_TEST_CASE(nadam_first_step_by_hand)
{
    parameter p{"w", tensor({1}), tensor({1})};
    p.value.f32()[0] = 1.0f;
    p.grad.f32()[0] = 0.5f;
    auto opt = make_optimizer(YAML::Load("{nadam: {learning_rate: 0.1}}"), "<test>");
    opt->attach({&p});
    backend be;
    opt->step(be);
    BOOST_TEST(p.value.f32()[0] == 0.8937212409248747, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(nadam_follows_keras_3)
{
    check_trace(run("{nadam: {learning_rate: 0.1}}", 6), nadam_reference(0.1, 0.9, 0.999, 1e-7, 6));
    check_trace(run("{nadam: {learning_rate: 0.05, beta_1: 0.8, beta_2: 0.99, epsilon: 0.001}}", 4),
                nadam_reference(0.05, 0.8, 0.99, 1e-3, 4));
}

// By hand, for g = 0.5 on the first step (lr 1): accumulated_grad = 0.05 *
// 0.25 = 0.0125, delta = -sqrt(1e-7) * 0.5 / sqrt(0.0125 + 1e-7) =
// -0.0014142, w = 0.9985858. (TF.js's rule, dividing by the old average 0,
// would move w by 0.5.)
BOOST_AUTO_TEST_CASE(adadelta_follows_keras_3)
{
    parameter p{"w", tensor({1}), tensor({1})};
    p.value.f32()[0] = 1.0f;
    p.grad.f32()[0] = 0.5f;
    auto opt = make_optimizer(YAML::Load("{adadelta: {learning_rate: 1.0}}"), "<test>");
    opt->attach({&p});
    backend be;
    opt->step(be);
    BOOST_TEST(p.value.f32()[0] == 0.9985857920944472, tt::tolerance(1e-6));
    check_trace(run("{adadelta: {learning_rate: 1.0}}", 6), adadelta_reference(1.0, 0.95, 1e-7, 6));
    check_trace(run("{adadelta: {learning_rate: 0.5, rho: 0.8, epsilon: 0.01}}", 4), adadelta_reference(0.5, 0.8, 0.01, 4));
}

BOOST_AUTO_TEST_CASE(adagrad_matches_tfjs, *boost::unit_test::precondition(tfjs_present))
{
    check_trace(run("{adagrad: {learning_rate: 0.1}}", 5), tfjs_trace("adagrad", 5));
}

BOOST_AUTO_TEST_CASE(adamax_matches_tfjs, *boost::unit_test::precondition(tfjs_present))
{
    check_trace(run("{adamax: {learning_rate: 0.1}}", 5), tfjs_trace("adamax", 5));
}

// ---- settings

BOOST_AUTO_TEST_CASE(defaults_and_slots_are_keras_3s)
{
    const auto nadam = std::get<nadam_options>(make_optimizer(YAML::Load("nadam"), "<test>")->config());
    BOOST_TEST(nadam.learning_rate == 0.001f);
    BOOST_TEST(nadam.beta_1 == 0.9f);
    BOOST_TEST(nadam.beta_2 == 0.999f);
    BOOST_TEST(nadam.epsilon == 1e-7f);
    const auto adagrad = std::get<adagrad_options>(make_optimizer(YAML::Load("adagrad"), "<test>")->config());
    BOOST_TEST(adagrad.learning_rate == 0.001f);
    BOOST_TEST(adagrad.initial_accumulator_value == 0.1f);
    BOOST_TEST(adagrad.epsilon == 1e-7f);
    const auto adadelta = std::get<adadelta_options>(make_optimizer(YAML::Load("adadelta"), "<test>")->config());
    BOOST_TEST(adadelta.learning_rate == 0.001f);
    BOOST_TEST(adadelta.rho == 0.95f);
    BOOST_TEST(adadelta.epsilon == 1e-7f);
    const auto adamax = std::get<adamax_options>(make_optimizer(YAML::Load("adamax"), "<test>")->config());
    BOOST_TEST(adamax.learning_rate == 0.001f);
    BOOST_TEST(adamax.beta_1 == 0.9f);
    BOOST_TEST(adamax.beta_2 == 0.999f);

    using names = std::vector<std::string>;
    BOOST_TEST((make_optimizer(YAML::Load("nadam"), "")->slot_names() == names{"momentum", "velocity"}));
    BOOST_TEST((make_optimizer(YAML::Load("adagrad"), "")->slot_names() == names{"accumulator"}));
    BOOST_TEST((make_optimizer(YAML::Load("adadelta"), "")->slot_names() ==
                names{"accumulated_grad", "accumulated_delta_var"}));
    BOOST_TEST((make_optimizer(YAML::Load("{adamax: {use_ema: true}}"), "")->slot_names() ==
                names{"momentum", "norm", "average"}));
    BOOST_TEST(make_optimizer(YAML::Load("adadelta"), "")->class_name() == "Adadelta");
}

BOOST_AUTO_TEST_CASE(adagrad_accumulators_start_at_the_initial_value)
{
    parameter p{"w", tensor({2}), tensor({2})};
    auto opt = make_optimizer(YAML::Load("{adagrad: {initial_accumulator_value: 0.25, use_ema: true}}"), "<test>");
    opt->attach({&p});
    BOOST_TEST(opt->slots()[0][0].f32()[1] == 0.25f);
    BOOST_TEST(opt->slots()[0][1].f32()[1] == 0.0f);  // the average starts at 0, as Keras's
}

BOOST_AUTO_TEST_CASE(settings_out_of_range_are_refused)
{
    BOOST_CHECK_THROW(make_optimizer(YAML::Load("{adadelta: {rho: 1.5}}"), "exp.yaml"), config_error);
    BOOST_CHECK_THROW(make_optimizer(YAML::Load("{adagrad: {initial_accumulator_value: -1}}"), "exp.yaml"), config_error);
    BOOST_CHECK_THROW(make_optimizer(YAML::Load("{nadam: {amsgrad: true}}"), "exp.yaml"), config_error);
    BOOST_CHECK_THROW(make_optimizer(YAML::Load("{adamax: {clipnorm: 1, clipvalue: 1}}"), "exp.yaml"), config_error);
}

BOOST_AUTO_TEST_CASE(settings_round_trip_through_yaml)
{
    for (const char* text : {"{nadam: {beta_1: 0.8, clipnorm: 2}}", "{adagrad: {initial_accumulator_value: 0.5}}",
                             "{adadelta: {rho: 0.9, weight_decay: 0.01}}", "{adamax: {beta_2: 0.99, use_ema: true}}"}) {
        const YAML::Node given = YAML::Load(text);
        const optimizer_spec parsed = parse_optimizer_spec(given, "<test>");
        YAML::Node again;
        again[given.begin()->first.Scalar()] = encode_optimizer_settings(parsed);
        const optimizer_spec back = parse_optimizer_spec(again, "<test>");
        BOOST_TEST(back.index() == parsed.index(), text);
        BOOST_TEST(YAML::Dump(encode_optimizer_settings(back)) == YAML::Dump(encode_optimizer_settings(parsed)), text);
    }
}

// ---- the common options on the new optimizers

// clipvalue 0.5 and weight_decay 0.1 on Adagrad (lr 0.1, accumulator 0.1):
// g = 2 is clipped to 0.5; w = 1 - 0.1 * 0.1 * 1 = 0.99, accumulator =
// 0.1 + 0.25 = 0.35, w = 0.99 - 0.1 * 0.5 / sqrt(0.35 + 1e-7) = 0.9054850.
BOOST_AUTO_TEST_CASE(common_options_apply_to_adagrad)
{
    parameter p{"w", tensor({1}), tensor({1})};
    p.value.f32()[0] = 1.0f;
    p.grad.f32()[0] = 2.0f;
    auto opt = make_optimizer(YAML::Load("{adagrad: {learning_rate: 0.1, clipvalue: 0.5, weight_decay: 0.1}}"), "");
    opt->attach({&p});
    backend be;
    opt->step(be);
    BOOST_TEST(p.value.f32()[0] == 0.99 - 0.1 * 0.5 / std::sqrt(0.35 + 1e-7), tt::tolerance(1e-6));
}

// global_clipnorm halves (3, 4) to (1.5, 2) before Adamax's first step,
// whose move is lr * sign(g) whatever the size: the clip shows in the norm slot.
BOOST_AUTO_TEST_CASE(common_options_apply_to_adamax)
{
    parameter p{"w", tensor({2}), tensor({2})};
    p.grad.f32()[0] = 3.0f, p.grad.f32()[1] = 4.0f;
    auto opt = make_optimizer(YAML::Load("{adamax: {learning_rate: 0.1, global_clipnorm: 2.5}}"), "");
    opt->attach({&p});
    backend be;
    opt->step(be);
    BOOST_TEST(opt->slots()[0][1].f32()[0] == 1.5, tt::tolerance(1e-6));
    BOOST_TEST(opt->slots()[0][1].f32()[1] == 2.0, tt::tolerance(1e-6));
    BOOST_TEST(p.value.f32()[1] == -0.1, tt::tolerance(1e-5));
}

// ---- checkpoints: state saved after two steps and restored into a fresh
// model and optimizer goes on exactly as the run that never stopped.

BOOST_AUTO_TEST_CASE(resume_gives_identical_weights)
{
    const std::string dense = "[{Dense: {units: 2, input_shape: [3]}}]";
    for (const char* spec : {"{nadam: {learning_rate: 0.01}}", "{adagrad: {learning_rate: 0.1}}",
                             "{adadelta: {learning_rate: 1.0, use_ema: true}}", "{adamax: {learning_rate: 0.01}}"}) {
        BOOST_TEST_CONTEXT(spec)
        {
            backend be;
            auto steps = [&](model& m, optimizer& opt, int from, int to) {
                for (int t = from; t <= to; ++t) {
                    for (parameter* p : m.parameters()) {
                        for (std::int64_t i = 0; i < p->grad.size(); ++i) p->grad.f32()[i] = gradient(t, static_cast<int>(i));
                    }
                    opt.step(be);
                }
            };
            auto straight = testing::model_from_yaml(dense);
            auto straight_opt = make_optimizer(YAML::Load(spec), "<test>");
            straight_opt->attach(straight->parameters());
            steps(*straight, *straight_opt, 1, 5);

            auto first = testing::model_from_yaml(dense);
            auto first_opt = make_optimizer(YAML::Load(spec), "<test>");
            first_opt->attach(first->parameters());
            steps(*first, *first_opt, 1, 2);
            const checkpoint saved = capture_state(*first, first_opt.get());

            auto resumed = testing::model_from_yaml(dense, 9);
            auto resumed_opt = make_optimizer(YAML::Load(spec), "<test>");
            resumed_opt->attach(resumed->parameters());
            BOOST_TEST(restore_state(*resumed, resumed_opt.get(), saved, false, "<test>").empty());
            BOOST_TEST(resumed_opt->iterations() == 2);
            steps(*resumed, *resumed_opt, 3, 5);
            for (std::size_t p = 0; p < straight->parameters().size(); ++p) {
                const tensor& want = straight->parameters()[p]->value;
                const tensor& got = resumed->parameters()[p]->value;
                for (std::int64_t i = 0; i < want.size(); ++i) BOOST_TEST(got.f32()[i] == want.f32()[i]);  // bit for bit
            }
        }
    }
}
