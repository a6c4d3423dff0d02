#include "mlrun/optim/optimizer.hpp"


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

}  // namespace mlrun
