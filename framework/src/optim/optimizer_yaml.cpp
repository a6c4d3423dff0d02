#include "optim/optimizer_yaml.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/optim/optimizers.hpp"

#include <limits>
#include <type_traits>

namespace mlrun {
namespace {

constexpr double unbounded = std::numeric_limits<double>::infinity();

key_spec number(const char* name, const char* value, const char* doc, number_range range)
{
    return with_range({name, value_kind::number, value, doc}, range);
}

using named_numbers = std::vector<std::pair<std::string, double>>;

named_numbers common_numbers(const optimizer_common& c)
{
    return {{"weight_decay", c.weight_decay},       {"clipnorm", c.clipnorm},
            {"clipvalue", c.clipvalue},             {"global_clipnorm", c.global_clipnorm},
            {"ema_momentum", c.ema_momentum},
            {"ema_overwrite_frequency", static_cast<double>(c.ema_overwrite_frequency)}};
}

named_numbers with_common(named_numbers own, const optimizer_common& c)
{
    for (auto& n : common_numbers(c)) own.push_back(std::move(n));
    return own;
}

// The settings' numbers by name, for the range checks.
named_numbers numbers_of(const optimizer_spec& spec)
{
    struct lister {
        named_numbers operator()(const adam_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"beta_1", o.beta_1}, {"beta_2", o.beta_2},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const adamw_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"beta_1", o.beta_1}, {"beta_2", o.beta_2},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const sgd_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"momentum", o.momentum}}, o.common);
        }
        named_numbers operator()(const rmsprop_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"rho", o.rho}, {"momentum", o.momentum},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const nadam_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"beta_1", o.beta_1}, {"beta_2", o.beta_2},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const adagrad_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate},
                                {"initial_accumulator_value", o.initial_accumulator_value},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const adadelta_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"rho", o.rho}, {"epsilon", o.epsilon}},
                               o.common);
        }
        named_numbers operator()(const adamax_options& o) const
        {
            return with_common({{"learning_rate", o.learning_rate}, {"beta_1", o.beta_1}, {"beta_2", o.beta_2},
                                {"epsilon", o.epsilon}},
                               o.common);
        }
    };
    return std::visit(lister{}, spec);
}

template <class Options> bool amsgrad_of(const Options& o)
{
    if constexpr (std::is_same_v<Options, adam_options> || std::is_same_v<Options, adamw_options>) return o.amsgrad;
    return false;
}

const optimizer_common& common_of(const optimizer_spec& spec)
{
    return std::visit([](const auto& o) -> const optimizer_common& { return o.common; }, spec);
}

// Keras's keys of every optimizer, after the class's own; weight_decay's
// default is the class's (0.004 for AdamW).
std::vector<key_spec> with_common_keys(std::vector<key_spec> keys, const char* weight_decay = "0")
{
    const number_range non_negative{0, false, unbounded, false};
    keys.push_back(number("weight_decay", weight_decay,
                          "decoupled weight decay: w -= learning_rate * weight_decay * w each step (0: off)",
                          non_negative));
    keys.push_back(number("clipnorm", "0", "clip each gradient to this norm (0: off)", non_negative));
    keys.push_back(number("clipvalue", "0", "clip each gradient element to [-clipvalue, clipvalue] (0: off)",
                          non_negative));
    keys.push_back(number("global_clipnorm", "0", "clip all gradients together to this joint norm (0: off)",
                          non_negative));
    keys.push_back({"use_ema", value_kind::boolean, "false",
                    "keep an exponential moving average of the weights (slot 'average')"});
    keys.push_back(number("ema_momentum", "0.99", "decay of the weights' moving average", {0, false, 1, false}));
    keys.push_back(with_range({"ema_overwrite_frequency", value_kind::integer, "0",
                               "copy the moving average into the weights every this many steps (0: never)"},
                              non_negative));
    return keys;
}

optimizer_common decode_common(const YAML::Node& c)
{
    optimizer_common o;
    o.weight_decay = c["weight_decay"].as<float>();
    o.clipnorm = c["clipnorm"].as<float>();
    o.clipvalue = c["clipvalue"].as<float>();
    o.global_clipnorm = c["global_clipnorm"].as<float>();
    o.use_ema = c["use_ema"].as<bool>();
    o.ema_momentum = c["ema_momentum"].as<float>();
    o.ema_overwrite_frequency = c["ema_overwrite_frequency"].as<std::int64_t>();
    return o;
}

// learning_rate, beta_1, beta_2 and epsilon, as Adam, Nadam and Adamax take them.
std::vector<key_spec> moment_keys(const char* beta_2_doc)
{
    return {
        number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
        number("beta_1", "0.9", "decay of the first-moment estimate", {0, false, 1, true}),
        number("beta_2", "0.999", beta_2_doc, {0, false, 1, true}),
        number("epsilon", "1e-7", "added to the denominator for stability", {0, true, unbounded, false}),
    };
}

std::vector<key_spec> adam_keys()
{
    std::vector<key_spec> keys = moment_keys("decay of the second-moment estimate");
    keys.push_back({"amsgrad", value_kind::boolean, "false", "use the maximum of past second moments (AMSGrad)"});
    return keys;
}

}  // namespace

// In optimizer_spec's order, so a spec's index() names its class.
const std::vector<optimizer_class>& optimizer_classes()
{
    static const std::vector<optimizer_class> classes = {
        {"adam",
         "Adam: adaptive moment estimation",
         with_common_keys(adam_keys()),
         [](const YAML::Node& c) -> optimizer_spec {
             return adam_options{c["learning_rate"].as<float>(), c["beta_1"].as<float>(), c["beta_2"].as<float>(),
                                 c["epsilon"].as<float>(), c["amsgrad"].as<bool>(), decode_common(c)};
         }},
        {"sgd",
         "stochastic gradient descent, with optional (Nesterov) momentum",
         with_common_keys({
             number("learning_rate", "0.01", "step size", {0, false, unbounded, false}),
             number("momentum", "0.0", "momentum factor (0 disables it)", {0, false, 1, false}),
             {"nesterov", value_kind::boolean, "false", "use Nesterov momentum"},
         }),
         [](const YAML::Node& c) -> optimizer_spec {
             return sgd_options{c["learning_rate"].as<float>(), c["momentum"].as<float>(), c["nesterov"].as<bool>(),
                                decode_common(c)};
         }},
        {"rmsprop",
         "RMSprop: divides the step by a running root mean square of gradients",
         with_common_keys({
             number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
             number("rho", "0.9", "decay of the squared-gradient average", {0, false, 1, false}),
             number("momentum", "0.0", "momentum factor (0 disables it)", {0, false, 1, false}),
             number("epsilon", "1e-7", "added inside the square root for stability", {0, true, unbounded, false}),
             {"centered", value_kind::boolean, "false", "normalise by the gradient's estimated variance"},
         }),
         [](const YAML::Node& c) -> optimizer_spec {
             return rmsprop_options{c["learning_rate"].as<float>(), c["rho"].as<float>(), c["momentum"].as<float>(),
                                    c["epsilon"].as<float>(), c["centered"].as<bool>(), decode_common(c)};
         }},
        {"adamw",
         "AdamW: Adam with decoupled weight decay (Keras 3's AdamW)",
         with_common_keys(adam_keys(), "0.004"),
         [](const YAML::Node& c) -> optimizer_spec {
             return adamw_options{c["learning_rate"].as<float>(), c["beta_1"].as<float>(), c["beta_2"].as<float>(),
                                  c["epsilon"].as<float>(), c["amsgrad"].as<bool>(), decode_common(c)};
         }},
        {"nadam",
         "Nadam: Adam with Nesterov momentum (Keras 3's momentum schedule)",
         with_common_keys(moment_keys("decay of the second-moment estimate")),
         [](const YAML::Node& c) -> optimizer_spec {
             return nadam_options{c["learning_rate"].as<float>(), c["beta_1"].as<float>(), c["beta_2"].as<float>(),
                                  c["epsilon"].as<float>(), decode_common(c)};
         }},
        {"adagrad",
         "Adagrad: divides the step by the root of the sum of all past squared gradients",
         with_common_keys({
             number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
             number("initial_accumulator_value", "0.1", "starting value of the squared-gradient sums",
                    {0, false, unbounded, false}),
             number("epsilon", "1e-7", "added inside the square root for stability", {0, true, unbounded, false}),
         }),
         [](const YAML::Node& c) -> optimizer_spec {
             return adagrad_options{c["learning_rate"].as<float>(), c["initial_accumulator_value"].as<float>(),
                                    c["epsilon"].as<float>(), decode_common(c)};
         }},
        {"adadelta",
         "Adadelta: scales each step by the running RMS of past steps over that of the gradients",
         with_common_keys({
             number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
             number("rho", "0.95", "decay of the running averages", {0, false, 1, false}),
             number("epsilon", "1e-7", "added inside the square roots for stability", {0, true, unbounded, false}),
         }),
         [](const YAML::Node& c) -> optimizer_spec {
             return adadelta_options{c["learning_rate"].as<float>(), c["rho"].as<float>(), c["epsilon"].as<float>(),
                                     decode_common(c)};
         }},
        {"adamax",
         "Adamax: Adam with the infinity norm of past gradients in place of the second moment",
         with_common_keys(moment_keys("decay of the infinity norm of past gradients")),
         [](const YAML::Node& c) -> optimizer_spec {
             return adamax_options{c["learning_rate"].as<float>(), c["beta_1"].as<float>(), c["beta_2"].as<float>(),
                                   c["epsilon"].as<float>(), decode_common(c)};
         }},
    };
    return classes;
}

std::unique_ptr<optimizer> make_optimizer(const optimizer_spec& spec)
{
    const optimizer_class& c = optimizer_classes()[spec.index()];
    for (const auto& [name, value] : numbers_of(spec)) {
        for (const key_spec& k : c.keys) {
            if (k.name == name && k.range && !k.range->contains(value)) {
                throw config_error("optimizer " + c.name + ": " + name + " must be " + k.range->text() + ", found " +
                                   shortest_text(static_cast<float>(value)));
            }
        }
    }
    const optimizer_common& common = common_of(spec);
    const int clippings = (common.clipnorm > 0) + (common.clipvalue > 0) + (common.global_clipnorm > 0);
    if (clippings > 1) {
        throw config_error("optimizer " + c.name + ": only one of clipnorm, clipvalue and global_clipnorm can be set");
    }
    struct maker {
        std::unique_ptr<optimizer> operator()(const adam_options& o) const { return std::make_unique<adam_optimizer>(o); }
        std::unique_ptr<optimizer> operator()(const adamw_options& o) const
        {
            return std::make_unique<adam_optimizer>(o);
        }
        std::unique_ptr<optimizer> operator()(const sgd_options& o) const { return std::make_unique<sgd_optimizer>(o); }
        std::unique_ptr<optimizer> operator()(const rmsprop_options& o) const
        {
            return std::make_unique<rmsprop_optimizer>(o);
        }
        std::unique_ptr<optimizer> operator()(const nadam_options& o) const
        {
            return std::make_unique<nadam_optimizer>(o);
        }
        std::unique_ptr<optimizer> operator()(const adagrad_options& o) const
        {
            return std::make_unique<adagrad_optimizer>(o);
        }
        std::unique_ptr<optimizer> operator()(const adadelta_options& o) const
        {
            return std::make_unique<adadelta_optimizer>(o);
        }
        std::unique_ptr<optimizer> operator()(const adamax_options& o) const
        {
            return std::make_unique<adamax_optimizer>(o);
        }
    };
    return std::visit(maker{}, spec);
}

optimizer_spec parse_optimizer_spec(const YAML::Node& spec, const std::string& file)
{
    std::string name;
    YAML::Node settings;
    if (spec.IsScalar()) {
        name = spec.Scalar();
    } else if (spec.IsMap() && spec.size() == 1) {
        name = spec.begin()->first.Scalar();
        settings = spec.begin()->second;
    } else {
        throw config_error(position(file, spec) +
                           ": compile.optimizer: expected a name such as 'adam' or a mapping such as "
                           "'{adam: {learning_rate: 0.001}}'");
    }
    std::vector<std::string> names;
    for (const optimizer_class& c : optimizer_classes()) {
        if (c.name == name) return c.decode(check_keys(settings, c.keys, file, "compile.optimizer." + name));
        names.push_back(c.name);
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string hint = did_you_mean(name, names);
    throw config_error(position(file, spec) + ": compile.optimizer: unknown optimizer '" + name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + list);
}

std::unique_ptr<optimizer> make_optimizer(const YAML::Node& spec, const std::string& file)
{
    return make_optimizer(parse_optimizer_spec(spec, file));
}

YAML::Node encode_optimizer_settings(const optimizer_spec& spec)
{
    YAML::Node c;
    // In the table's order: the class's own keys, then the common ones.
    const optimizer_class& cls = optimizer_classes()[spec.index()];
    const optimizer_common& common = common_of(spec);
    const named_numbers numbers = numbers_of(spec);
    for (const key_spec& k : cls.keys) {
        if (k.name == "amsgrad") {
            c[k.name] = std::visit([](const auto& o) { return amsgrad_of(o); }, spec);
        } else if (k.name == "nesterov") {
            c[k.name] = std::get<sgd_options>(spec).nesterov;
        } else if (k.name == "centered") {
            c[k.name] = std::get<rmsprop_options>(spec).centered;
        } else if (k.name == "use_ema") {
            c[k.name] = common.use_ema;
        } else if (k.name == "ema_overwrite_frequency") {
            c[k.name] = common.ema_overwrite_frequency;
        } else {
            for (const auto& [name, value] : numbers) {
                if (name == k.name) c[name] = shortest_text(static_cast<float>(value));
            }
        }
    }
    return c;
}

}  // namespace mlrun
