#include "optim/optimizer_yaml.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/core/text.hpp"
#include "mlrun/optim/optimizers.hpp"

#include <limits>

namespace mlrun {
namespace {

constexpr double unbounded = std::numeric_limits<double>::infinity();

key_spec number(const char* name, const char* value, const char* doc, number_range range)
{
    return with_range({name, value_kind::number, value, doc}, range);
}

// The settings' numbers by name, for the range checks.
std::vector<std::pair<std::string, double>> numbers_of(const optimizer_spec& spec)
{
    struct lister {
        std::vector<std::pair<std::string, double>> operator()(const adam_options& o) const
        {
            return {{"learning_rate", o.learning_rate}, {"beta_1", o.beta_1}, {"beta_2", o.beta_2}, {"epsilon", o.epsilon}};
        }
        std::vector<std::pair<std::string, double>> operator()(const sgd_options& o) const
        {
            return {{"learning_rate", o.learning_rate}, {"momentum", o.momentum}};
        }
        std::vector<std::pair<std::string, double>> operator()(const rmsprop_options& o) const
        {
            return {{"learning_rate", o.learning_rate}, {"rho", o.rho}, {"momentum", o.momentum}, {"epsilon", o.epsilon}};
        }
    };
    return std::visit(lister{}, spec);
}

}  // namespace

// In optimizer_spec's order, so a spec's index() names its class.
const std::vector<optimizer_class>& optimizer_classes()
{
    static const std::vector<optimizer_class> classes = {
        {"adam",
         "Adam: adaptive moment estimation",
         {
             number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
             number("beta_1", "0.9", "decay of the first-moment estimate", {0, false, 1, true}),
             number("beta_2", "0.999", "decay of the second-moment estimate", {0, false, 1, true}),
             number("epsilon", "1e-7", "added to the denominator for stability", {0, true, unbounded, false}),
             {"amsgrad", value_kind::boolean, "false", "use the maximum of past second moments (AMSGrad)"},
         },
         [](const YAML::Node& c) -> optimizer_spec {
             return adam_options{c["learning_rate"].as<float>(), c["beta_1"].as<float>(), c["beta_2"].as<float>(),
                                 c["epsilon"].as<float>(), c["amsgrad"].as<bool>()};
         }},
        {"sgd",
         "stochastic gradient descent, with optional (Nesterov) momentum",
         {
             number("learning_rate", "0.01", "step size", {0, false, unbounded, false}),
             number("momentum", "0.0", "momentum factor (0 disables it)", {0, false, 1, false}),
             {"nesterov", value_kind::boolean, "false", "use Nesterov momentum"},
         },
         [](const YAML::Node& c) -> optimizer_spec {
             return sgd_options{c["learning_rate"].as<float>(), c["momentum"].as<float>(), c["nesterov"].as<bool>()};
         }},
        {"rmsprop",
         "RMSprop: divides the step by a running root mean square of gradients",
         {
             number("learning_rate", "0.001", "step size", {0, false, unbounded, false}),
             number("rho", "0.9", "decay of the squared-gradient average", {0, false, 1, false}),
             number("momentum", "0.0", "momentum factor (0 disables it)", {0, false, 1, false}),
             number("epsilon", "1e-7", "added inside the square root for stability", {0, true, unbounded, false}),
             {"centered", value_kind::boolean, "false", "normalise by the gradient's estimated variance"},
         },
         [](const YAML::Node& c) -> optimizer_spec {
             return rmsprop_options{c["learning_rate"].as<float>(), c["rho"].as<float>(), c["momentum"].as<float>(),
                                    c["epsilon"].as<float>(), c["centered"].as<bool>()};
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
    struct maker {
        std::unique_ptr<optimizer> operator()(const adam_options& o) const { return std::make_unique<adam_optimizer>(o); }
        std::unique_ptr<optimizer> operator()(const sgd_options& o) const { return std::make_unique<sgd_optimizer>(o); }
        std::unique_ptr<optimizer> operator()(const rmsprop_options& o) const
        {
            return std::make_unique<rmsprop_optimizer>(o);
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
    for (const auto& [name, value] : numbers_of(spec)) c[name] = shortest_text(static_cast<float>(value));
    if (const auto* o = std::get_if<adam_options>(&spec)) c["amsgrad"] = o->amsgrad;
    if (const auto* o = std::get_if<sgd_options>(&spec)) c["nesterov"] = o->nesterov;
    if (const auto* o = std::get_if<rmsprop_options>(&spec)) c["centered"] = o->centered;
    return c;
}

}  // namespace mlrun
