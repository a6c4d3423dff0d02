#include "mlrun/optim/optimizer.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/optim/optimizers.hpp"

namespace mlrun {

void optimizer::attach(const std::vector<parameter*>& params)
{
    params_ = params;
    slots_.clear();
    const std::size_t slot_count = slot_names().size();
    for (parameter* p : params_) {
        std::vector<tensor> slots;
        for (std::size_t s = 0; s < slot_count; ++s) slots.emplace_back(p->value.dims());
        slots_.push_back(std::move(slots));
    }
}

void optimizer::step(backend& be)
{
    ++iterations_;
    for (std::size_t i = 0; i < params_.size(); ++i) update(be, *params_[i], slots_[i], iterations_);
}

const std::vector<optimizer_class>& optimizer_classes()
{
    static const std::vector<optimizer_class> classes = {
        adam_optimizer::description(),
        sgd_optimizer::description(),
        rmsprop_optimizer::description(),
    };
    return classes;
}

std::unique_ptr<optimizer> make_optimizer(const YAML::Node& spec, const std::string& file)
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
        if (c.name == name) {
            return c.create(check_keys(settings, c.keys, file, "compile.optimizer." + name));
        }
        names.push_back(c.name);
    }
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    const std::string hint = did_you_mean(name, names);
    throw config_error(position(file, spec) + ": compile.optimizer: unknown optimizer '" + name + "'" +
                       (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; known: " + list);
}

}  // namespace mlrun
