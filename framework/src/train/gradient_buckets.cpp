#include "train/gradient_buckets.hpp"

#include <algorithm>

namespace mlrun {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

gradient_buckets::gradient_buckets(model& m, communicator& comm, std::int64_t bucket_bytes, bool overlap)
    : comm_(comm), overlap_(overlap)
{
    const std::vector<model::node>& nodes = m.nodes();
    const std::size_t cap = static_cast<std::size_t>(std::max<std::int64_t>(bucket_bytes, 1));
    std::size_t filled = 0;
    for (std::size_t i = nodes.size(); i-- > 0;) {
        for (parameter& p : nodes[i].op->parameters()) {
            if (!p.trainable) {
                moving_state_.push_back(&p);
                continue;
            }
            const std::size_t bytes = static_cast<std::size_t>(p.grad.size()) * sizeof(float);
            if (buckets_.empty() || (filled > 0 && filled + bytes > cap)) {
                buckets_.emplace_back();
                filled = 0;
            }
            buckets_.back().members.push_back(&p);
            buckets_.back().last_node = i;
            filled += bytes;
        }
    }
    for (bucket& b : buckets_) {
        std::size_t elements = 0;
        for (const parameter* p : b.members) elements += static_cast<std::size_t>(p->grad.size());
        b.buffer.resize(elements);
    }
    std::size_t moving = 0;
    for (const parameter* p : moving_state_) moving += static_cast<std::size_t>(p->value.size());
    moving_buffer_.resize(moving);
}

void gradient_buckets::begin_step(float weight)
{
    weight_ = weight;
    next_ = 0;
    for (bucket& b : buckets_) b.done = false;
}

void gradient_buckets::start(bucket& b)
{
    // Scaled as they are packed: a rank's mean gradient times its share of
    // the global batch, so the sum over ranks is the global batch's mean.
    // A rank with no samples in this step contributes zeros.
    float* out = b.buffer.data();
    for (const parameter* p : b.members) {
        const float* g = p->grad.f32();
        const auto n = static_cast<std::size_t>(p->grad.size());
        if (weight_ == 0.0f) {
            std::fill(out, out + n, 0.0f);
        } else {
            for (std::size_t k = 0; k < n; ++k) out[k] = g[k] * weight_;
        }
        out += n;
    }
    b.started = std::chrono::steady_clock::now();
    b.pending = comm_.start_sum(b.buffer.data(), b.buffer.size());
}

void gradient_buckets::poll()
{
    // Non-blocking sums progress inside MPI calls: testing them between
    // layers moves them along while backward computes.
    for (std::size_t i = 0; i < next_; ++i) {
        bucket& b = buckets_[i];
        if (!b.done && b.pending->test()) {
            b.done = true;
            timing_.in_flight_seconds += seconds_since(b.started);
        }
    }
}

void gradient_buckets::node_done(std::size_t index)
{
    if (!overlap_) return;
    while (next_ < buckets_.size() && buckets_[next_].last_node >= index) start(buckets_[next_++]);
    poll();
}

void gradient_buckets::finish()
{
    const auto waiting = std::chrono::steady_clock::now();
    while (next_ < buckets_.size()) start(buckets_[next_++]);
    for (bucket& b : buckets_) {
        if (b.done) continue;
        b.pending->wait();
        b.done = true;
        timing_.in_flight_seconds += seconds_since(b.started);
    }
    timing_.waited_seconds += seconds_since(waiting);
    for (bucket& b : buckets_) {
        const float* in = b.buffer.data();
        for (parameter* p : b.members) {
            const auto n = static_cast<std::size_t>(p->grad.size());
            std::copy(in, in + n, p->grad.f32());
            in += n;
        }
        b.pending.reset();
    }
    if (moving_state_.empty()) return;
    // Each rank's statistics saw only its share of the batch: the mean keeps
    // every rank's copy the same.
    double* packed = moving_buffer_.data();
    for (const parameter* p : moving_state_) {
        const float* v = p->value.f32();
        for (std::int64_t k = 0; k < p->value.size(); ++k) *packed++ = v[k];
    }
    comm_.sum(moving_buffer_.data(), moving_buffer_.size());
    const double ranks = static_cast<double>(comm_.size());
    const double* mean = moving_buffer_.data();
    for (parameter* p : moving_state_) {
        float* v = p->value.f32();
        for (std::int64_t k = 0; k < p->value.size(); ++k) v[k] = static_cast<float>(*mean++ / ranks);
    }
}

}  // namespace mlrun
