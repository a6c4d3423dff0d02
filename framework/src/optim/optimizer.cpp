#include "mlrun/optim/optimizer.hpp"

#include "mlrun/backend/backend.hpp"

#include <algorithm>
#include <cmath>

namespace mlrun {

std::vector<std::string> optimizer::slot_names() const
{
    std::vector<std::string> names = update_slot_names();
    if (common_.use_ema) names.emplace_back("average");
    return names;
}

void optimizer::attach(const std::vector<parameter*>& params)
{
    params_ = params;
    slots_.clear();
    const std::size_t slot_count = slot_names().size();
    const std::size_t own_slots = update_slot_names().size();  // the "average" after them starts at 0
    for (parameter* p : params_) {
        std::vector<tensor> slots;
        for (std::size_t s = 0; s < slot_count; ++s) {
            slots.emplace_back(p->value.dims());
            const float start = s < own_slots ? initial_slot_value(s) : 0.0f;
            if (start != 0.0f) std::fill(slots.back().f32(), slots.back().f32() + slots.back().size(), start);
        }
        slots_.push_back(std::move(slots));
    }
}

// Keras 3's BaseOptimizer._clip_gradients: clip_by_norm per gradient,
// clip_by_global_norm over all of them, or clip_by_value.
void optimizer::clip_gradients(backend& be)
{
    auto squared_norm = [&](const tensor& g) {
        squares_.reshape(g.dims());
        be.multiply(g.size(), g.f32(), g.f32(), squares_.f32());
        return be.sum(g.size(), squares_.f32());
    };
    auto scale = [&](tensor& g, double factor) {
        be.axpby(g.size(), static_cast<float>(factor), g.f32(), 0.0f, g.f32());
    };
    if (common_.clipnorm > 0.0f) {
        for (parameter* p : params_) {
            const double norm = std::sqrt(squared_norm(p->grad));
            if (norm > common_.clipnorm) scale(p->grad, common_.clipnorm / norm);
        }
    } else if (common_.global_clipnorm > 0.0f) {
        double total = 0.0;
        for (parameter* p : params_) total += squared_norm(p->grad);
        const double norm = std::sqrt(total);
        if (norm > common_.global_clipnorm) {
            for (parameter* p : params_) scale(p->grad, common_.global_clipnorm / norm);
        }
    } else if (common_.clipvalue > 0.0f) {
        const float limit = common_.clipvalue;
        for (parameter* p : params_) {
            float* g = p->grad.f32();
            for (std::int64_t i = 0; i < p->grad.size(); ++i) g[i] = std::min(std::max(g[i], -limit), limit);
        }
    }
}

// Keras 3: average = m * average + (1 - m) * w, with m = 0 on the first
// step (the average starts at the weights).
void optimizer::update_average(backend& be, parameter& p, tensor& average, std::int64_t t) const
{
    const float m = t == 1 ? 0.0f : common_.ema_momentum;
    be.axpby(p.value.size(), 1.0f - m, p.value.f32(), m, average.f32());
}

void optimizer::step(backend& be)
{
    ++iterations_;
    clip_gradients(be);
    for (std::size_t i = 0; i < params_.size(); ++i) {
        parameter& p = *params_[i];
        if (common_.weight_decay > 0.0f) {
            // w -= learning_rate * weight_decay * w, before the update (decoupled weight decay).
            be.axpby(p.value.size(), -learning_rate_ * common_.weight_decay, p.value.f32(), 1.0f, p.value.f32());
        }
        update(be, p, slots_[i], iterations_);
        if (!common_.use_ema) continue;
        tensor& average = slots_[i].back();  // "average" is the last slot
        update_average(be, p, average, iterations_);
        if (common_.ema_overwrite_frequency > 0 && iterations_ % common_.ema_overwrite_frequency == 0) {
            be.axpby(p.value.size(), 1.0f, average.f32(), 0.0f, p.value.f32());
        }
    }
}

}  // namespace mlrun
