#include "mlrun/train/trainer.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "train/gradient_buckets.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <numeric>
#include <sstream>
#include <algorithm>

namespace mlrun {
namespace {

// Independent random streams derived from the experiment seed.
constexpr std::uint64_t shuffle_stream = 1;
constexpr std::uint64_t dropout_stream = 2;

void shuffle_order(std::vector<std::int64_t>& order, rng& gen)
{
    for (std::size_t i = order.size(); i > 1; --i) {
        const std::size_t j = static_cast<std::size_t>(gen.below(i));
        std::swap(order[i - 1], order[j]);
    }
}

void copy_rows(const tensor& src, tensor& dst, const std::vector<std::int64_t>& order, std::int64_t begin,
               std::int64_t end)
{
    const std::size_t row_bytes = src.byte_size() / static_cast<std::size_t>(std::max<std::int64_t>(src.dims()[0], 1));
    for (std::int64_t i = begin; i < end; ++i) {
        const std::int64_t row = order.empty() ? i : order[static_cast<std::size_t>(i)];
        std::memcpy(dst.bytes() + static_cast<std::size_t>(i - begin) * row_bytes,
                    src.bytes() + static_cast<std::size_t>(row) * row_bytes, row_bytes);
    }
}

// Epochs and steps counted from 1, as the progress line shows them.
std::string non_finite_loss_message(double loss, int epoch, int epochs, std::int64_t step, std::int64_t steps)
{
    const std::string value = std::isnan(loss) ? "nan" : loss > 0 ? "inf" : "-inf";
    return "the loss became " + value + " at epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs) +
           ", step " + std::to_string(step + 1) + "/" + std::to_string(steps);
}

const char* const non_finite_stop_advice =
    ": training stopped before this step was logged or saved, so earlier checkpoints are as they were "
    "(a smaller compile.optimizer learning_rate usually helps; fit.terminate_on_nan: false goes on anyway)";

// FNV-1a over the weights' bytes: the same weights give the same word on every rank.
std::uint64_t weights_fingerprint(model& m)
{
    std::uint64_t hash = 14695981039346656037ull;
    for (const parameter* p : m.parameters()) {
        const auto* bytes = reinterpret_cast<const unsigned char*>(p->value.bytes());
        for (std::size_t i = 0; i < p->value.byte_size(); ++i) hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
    return hash;
}

// Rank r's contiguous share [first, last) of a global batch of `count` samples.
std::pair<std::int64_t, std::int64_t> share_of(std::int64_t count, int rank, int ranks)
{
    return {count * rank / ranks, count * (rank + 1) / ranks};
}

// The class index of sample `row`: its label, or the argmax of its one-hot
// (or probability) row; a single probability column is class 0 or 1.
std::int32_t class_of(const tensor& y, std::int64_t row)
{
    if (y.type() == dtype::int32) return y.data<std::int32_t>()[row];
    const std::int64_t width = y.size() / std::max<std::int64_t>(y.dims()[0], 1);
    const float* values = y.f32() + row * width;
    if (width == 1) return values[0] > 0.5f ? 1 : 0;
    return static_cast<std::int32_t>(std::max_element(values, values + width) - values);
}

const char* const non_finite_go_on_note = "; fit.terminate_on_nan is false, so training goes on (warned once)\n";

std::string number_text(double v)
{
    std::ostringstream out;
    out << v;
    return out.str();
}

void check_sample_weights(const dataset& data)
{
    if (!data.has_sample_weight()) return;
    const tensor& w = data.sample_weight;
    if (w.type() != dtype::float32 || w.dims().rank() != 1 || w.dims()[0] != data.size()) {
        throw data_error(data.name + ": sample_weight must hold one float per sample, shape (" +
                         std::to_string(data.size()) + ",), found shape " + w.dims().to_string());
    }
    for (std::int64_t i = 0; i < w.size(); ++i) {
        if (!(std::isfinite(w.f32()[i]) && w.f32()[i] >= 0.0f)) {
            throw data_error(data.name + ": sample_weight[" + std::to_string(i) +
                             "]: expected a finite weight >= 0, found " + number_text(w.f32()[i]));
        }
    }
}

// Everything fit() can refuse is refused here, before the first step.
void check_fit_options(const fit_options& options, const dataset& train, const shape& output, loss_kind loss)
{
    if (options.batch_size < 1) throw config_error("fit.batch_size must be at least 1");
    if (train.size() == 0) throw data_error(train.name + ": no samples to train on");
    if (train.y.dims()[0] != train.size()) {
        throw data_error(train.name + ": " + std::to_string(train.size()) + " inputs but " +
                         std::to_string(train.y.dims()[0]) + " targets");
    }
    check_sample_weights(train);
    if (options.validation != nullptr) check_sample_weights(*options.validation);
    const double split = options.validation_split;
    if (!(split >= 0.0 && split < 1.0)) {
        throw config_error("fit.validation_split: expected a fraction in [0, 1), found " + number_text(split));
    }
    if (split > 0.0) {
        if (options.validation != nullptr) {
            throw config_error("fit.validation_split: validation data is given as well; give one of them");
        }
        const std::int64_t kept = training_samples(train.size(), split);
        if (kept < 1 || kept == train.size()) {
            throw config_error("fit.validation_split: " + number_text(split) + " of " + std::to_string(train.size()) +
                               " samples leaves " + std::to_string(kept) + " to train on and " +
                               std::to_string(train.size() - kept) + " to validate; each needs at least one");
        }
    }
    if (options.class_weight.empty()) return;
    if (train.has_sample_weight()) {
        throw config_error("fit.class_weight: the data has sample weights as well; give one of them");
    }
    if (loss == loss_kind::mean_squared_error) {
        throw config_error("fit.class_weight: the loss mean_squared_error has no classes");
    }
    const std::int64_t width = output.element_count();
    const std::int64_t classes = width == 1 ? 2 : width;
    for (const auto& [id, weight] : options.class_weight) {
        if (id < 0 || id >= classes) {
            throw config_error("fit.class_weight: class " + std::to_string(id) + " is not a class of the model's " +
                               std::to_string(classes) + " (expected 0 to " + std::to_string(classes - 1) + ")");
        }
        if (!(std::isfinite(weight) && weight >= 0.0f)) {
            throw config_error("fit.class_weight[" + std::to_string(id) + "]: expected a finite weight >= 0, found " +
                               number_text(weight));
        }
    }
}

dataset tail_rows(const dataset& data, std::int64_t begin, std::int64_t end, const std::string& name)
{
    std::vector<std::int64_t> order(static_cast<std::size_t>(data.size()));
    std::iota(order.begin(), order.end(), 0);
    const auto rows = [&](const tensor& t) {
        tensor part(t.type(), {});
        part.reshape_batch(t.dims(), end - begin);
        std::vector<std::int64_t> shifted(order.begin() + begin, order.begin() + end);
        copy_rows(t, part, shifted, 0, end - begin);
        return part;
    };
    dataset part;
    part.name = name;
    part.x = rows(data.x);
    part.y = rows(data.y);
    if (data.has_sample_weight()) part.sample_weight = rows(data.sample_weight);
    return part;
}

// The first floor(n (1 - split)) samples train, the rest validate (Keras's split).
std::pair<dataset, dataset> split_tail(const dataset& data, double split)
{
    const std::int64_t kept = training_samples(data.size(), split);
    return {tail_rows(data, 0, kept, data.name), tail_rows(data, kept, data.size(), data.name + " (validation_split)")};
}

}  // namespace

std::int64_t training_samples(std::int64_t samples, double validation_split)
{
    if (!(validation_split > 0.0)) return samples;
    return static_cast<std::int64_t>(std::floor(static_cast<double>(samples) * (1.0 - validation_split)));
}

trainer::trainer(model& m, backend& be, loss_function loss, std::unique_ptr<optimizer> opt,
                 std::vector<metric> metrics)
    : model_(m), backend_(be), loss_(loss), optimizer_(std::move(opt)), metrics_(std::move(metrics))
{
    loss_.attach(model_);
    optimizer_->attach(model_.trainable_parameters());
}

void check_global_batch(std::int64_t batch_size, int ranks)
{
    if (batch_size % ranks == 0) return;
    throw config_error("fit.batch_size: " + std::to_string(batch_size) + " is the global batch of " +
                       std::to_string(ranks) + " ranks, which each take an equal share of it, so it must be a "
                       "multiple of " + std::to_string(ranks) + "; e.g. fit.batch_size=" +
                       std::to_string(std::max<std::int64_t>(batch_size / ranks, 1) * ranks));
}

trainer::~trainer() = default;

const reduction_timing* trainer::last_reduction_timing() const { return buckets_ ? &buckets_->timing() : nullptr; }

std::int64_t trainer::steps_per_epoch(std::int64_t samples, std::int64_t batch_size) const
{
    return (samples + batch_size - 1) / batch_size;
}

void trainer::gather(const dataset& data, const std::vector<std::int64_t>& order, std::int64_t begin,
                     std::int64_t end, const std::map<std::int32_t, float>& class_weight)
{
    const std::int64_t count = end - begin;
    if (batch_x_.type() != data.x.type()) batch_x_ = tensor(data.x.type(), {});
    if (batch_y_.type() != data.y.type()) batch_y_ = tensor(data.y.type(), {});
    batch_x_.reshape_batch(data.x.dims(), count);
    batch_y_.reshape_batch(data.y.dims(), count);
    copy_rows(data.x, batch_x_, order, begin, end);
    copy_rows(data.y, batch_y_, order, begin, end);
    batch_weights_.clear();
    if (!data.has_sample_weight() && class_weight.empty()) return;
    batch_weights_.assign(static_cast<std::size_t>(count), 1.0f);
    for (std::int64_t i = begin; i < end; ++i) {
        const std::int64_t row = order.empty() ? i : order[static_cast<std::size_t>(i)];
        float& w = batch_weights_[static_cast<std::size_t>(i - begin)];
        if (data.has_sample_weight()) w = data.sample_weight.f32()[row];
        if (!class_weight.empty()) {
            const auto found = class_weight.find(class_of(data.y, row));
            if (found != class_weight.end()) w *= found->second;
        }
    }
}

double trainer::batch_loss(const tensor& prediction, bool gradient)
{
    const float* weights = batch_weights();
    const double data_loss = loss_.compute(backend_, model_, prediction, batch_y_, gradient, weights);
    return data_loss + model_.regularization_loss() * static_cast<double>(prediction.dims()[0]);
}

double trainer::train_step(std::uint64_t step_seed)
{
    const tensor& prediction = model_.forward(backend_, batch_x_, true, step_seed);
    const double loss = batch_loss(prediction, true);
    epoch_loss_sum_ += loss;
    for (metric& m : metrics_) m.update(backend_, prediction, batch_y_, batch_weights());
    model_.backward(backend_);
    model_.add_regularization_gradients();
    optimizer_->step(backend_);
    model_.apply_constraints();
    return loss;
}

double trainer::distributed_step(std::uint64_t step_seed, std::int64_t local, std::int64_t global,
                                 const std::vector<callback*>& callbacks)
{
    const auto started = std::chrono::steady_clock::now();
    // The loss sum and the growth of each metric's running state (sums and
    // counts) over this rank's share, summed over ranks in one call after
    // the gradients. Flat buffers kept between steps: a step allocates nothing.
    metric_states_before_.clear();
    for (const metric& m : metrics_) {
        metric_states_before_.insert(metric_states_before_.end(), m.state().begin(), m.state().end());
    }
    // The votes ride at the end of the same sums: [loss, metric states..., votes].
    const std::size_t votes_at = 1 + metric_states_before_.size();
    step_sums_.assign(votes_at + 3, 0.0);
    buckets_->begin_step(static_cast<float>(local) / static_cast<float>(global));
    if (local > 0) {
        const tensor& prediction = model_.forward(backend_, batch_x_, true, step_seed);
        step_sums_[0] = batch_loss(prediction, true);
        for (metric& m : metrics_) m.update(backend_, prediction, batch_y_, batch_weights());
        model_.backward(backend_, [this](std::size_t node) { buckets_->node_done(node); });
    }
    buckets_->finish();
    std::size_t at = 0;
    for (const metric& m : metrics_) {
        const std::vector<double>& now = m.state();
        for (std::size_t k = 0; k < now.size(); ++k) step_sums_[1 + at + k] = now[k] - metric_states_before_[at + k];
        at += now.size();
    }
    step_vote mine;
    for (callback* c : callbacks) c->vote(*this, mine);
    step_sums_[votes_at] = mine.interrupted ? 1.0 : 0.0;
    step_sums_[votes_at + 1] = mine.terminated ? 1.0 : 0.0;
    step_sums_[votes_at + 2] = mine.save_due ? 1.0 : 0.0;
    ranks_->sum(step_sums_.data(), step_sums_.size());
    // A count of the ranks that said yes: any yes holds for all.
    agreed_.interrupted = step_sums_[votes_at] > 0.5;
    agreed_.terminated = step_sums_[votes_at + 1] > 0.5;
    agreed_.save_due = step_sums_[votes_at + 2] > 0.5;
    at = 0;
    for (metric& m : metrics_) {
        const std::size_t n = m.state().size();
        metric_state_.assign(metric_states_before_.begin() + static_cast<std::ptrdiff_t>(at),
                             metric_states_before_.begin() + static_cast<std::ptrdiff_t>(at + n));
        for (std::size_t k = 0; k < n; ++k) metric_state_[k] += step_sums_[1 + at + k];
        m.set_state(metric_state_);
        at += n;
    }
    epoch_loss_sum_ += step_sums_[0];
    // On the averaged gradient, the same on every rank.
    model_.add_regularization_gradients();
    optimizer_->step(backend_);
    model_.apply_constraints();
    reduction_timing& t = buckets_->timing();
    ++t.steps;
    t.step_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return step_sums_[0];
}

void trainer::check_weights_agree(int epoch)
{
    const std::string differing = ranks_differing_from_root(*ranks_, weights_fingerprint(model_));
    if (differing.empty()) return;
    throw distributed_error("after epoch " + std::to_string(epoch + 1) + " the weights of " + differing +
                            " differ from rank 0's (of " + std::to_string(ranks_->size()) +
                            " ranks): the ranks no longer train the same model, so the run stops "
                            "(a rank with other data files or another build of mlrun or of a backend plugin "
                            "is the usual cause)");
}

history trainer::fit(const dataset& all_train, const fit_options& all_options, const std::vector<callback*>& callbacks)
{
    check_fit_options(all_options, all_train, model_.output_shape(), loss_.kind());
    // Keras's validation_split: the tail validates, before any shuffling.
    std::optional<std::pair<dataset, dataset>> split;
    fit_options options = all_options;
    if (options.validation_split > 0.0) {
        split = split_tail(all_train, options.validation_split);
        options.validation = &split->second;
    }
    const dataset& train = split ? split->first : all_train;
    stop_requested_ = false;
    abort_requested_ = false;
    agreed_ = step_vote{};
    const bool parallel = options.ranks != nullptr && options.ranks->size() > 1;
    ranks_ = parallel ? options.ranks : nullptr;
    buckets_.reset();
    const int rank = parallel ? ranks_->rank() : 0;
    const int rank_count = parallel ? ranks_->size() : 1;
    if (parallel) {
        check_global_batch(options.batch_size, rank_count);
        buckets_ = std::make_unique<gradient_buckets>(model_, *ranks_, options.distributed.bucket_bytes,
                                                      options.distributed.overlap);
    }
    const std::int64_t samples = train.size();
    const std::int64_t steps = steps_per_epoch(samples, options.batch_size);
    std::vector<std::int64_t> order(static_cast<std::size_t>(samples));
    std::iota(order.begin(), order.end(), 0);
    rng shuffler(derive_seed(options.seed, shuffle_stream));
    // Epochs before initial_epoch are replayed, so a resumed run sees the
    // same order as one that never stopped.
    const int first_epoch = options.resume_at ? options.resume_at->epoch : options.initial_epoch;
    if (options.shuffle) {
        for (int e = 0; e < first_epoch; ++e) shuffle_order(order, shuffler);
    }
    // Per rank (seed + rank): each rank draws the masks of its own samples;
    // rank 0 draws what a one-process run draws.
    const std::uint64_t dropout_seed = derive_seed(options.seed + static_cast<std::uint64_t>(rank), dropout_stream);

    history result;
    metric_logs logs;
    bool warned_non_finite = false;
    for (callback* c : callbacks) c->on_train_begin(*this);
    for (int epoch = first_epoch; epoch < options.epochs && !stop_requested_; ++epoch) {
        epoch_ = epoch;
        for (callback* c : callbacks) c->on_epoch_begin(*this, epoch);
        if (options.shuffle) shuffle_order(order, shuffler);
        epoch_loss_sum_ = 0.0;
        for (metric& m : metrics_) m.reset();
        logs.values.clear();  // the last epoch's validation results do not belong to this one
        std::int64_t first_step = 0;
        if (options.resume_at && epoch == options.resume_at->epoch) {
            // Going on inside this epoch: the steps taken and their sums come from the checkpoint.
            const training_state& at = *options.resume_at;
            first_step = std::min(at.steps_done, steps);
            epoch_loss_sum_ = at.loss_sum;
            for (std::size_t i = 0; i < metrics_.size() && i < at.metric_counts.size(); ++i) {
                metrics_[i].set_state(at.metric_counts[i]);
            }
            if (first_step > 0) {
                logs.set("loss", epoch_loss_sum_ / static_cast<double>(std::min(first_step * options.batch_size, samples)));
                for (const metric& m : metrics_) logs.set(m.name(), m.result());
            }
        }
        steps_done_ = first_step;
        for (std::int64_t step = first_step; step < steps; ++step) {
            for (callback* c : callbacks) c->on_batch_begin(*this, step);
            const std::int64_t begin = step * options.batch_size;
            const std::int64_t end = std::min(begin + options.batch_size, samples);
            // Dropout masks follow the global step, so they survive a resume.
            const std::uint64_t step_seed = derive_seed(dropout_seed, static_cast<std::uint64_t>(optimizer_->iterations()));
            double batch_loss = 0.0;
            if (parallel) {
                const auto [first, last] = share_of(end - begin, rank, rank_count);
                gather(train, order, begin + first, begin + last, options.class_weight);
                batch_loss = distributed_step(step_seed, last - first, end - begin, callbacks);
            } else {
                gather(train, order, begin, end, options.class_weight);
                batch_loss = train_step(step_seed);
            }
            if (!std::isfinite(batch_loss) && !warned_non_finite) {
                const std::string what = non_finite_loss_message(batch_loss, epoch, options.epochs, step, steps);
                if (options.terminate_on_nan) throw diverged_error(what + non_finite_stop_advice);
                if (options.warnings != nullptr) *options.warnings << "warning: " << what << non_finite_go_on_note;
                warned_non_finite = true;
            }
            steps_done_ = step + 1;
            logs.set("loss", epoch_loss_sum_ / static_cast<double>(end));
            for (const metric& m : metrics_) logs.set(m.name(), m.result());
            for (callback* c : callbacks) c->on_batch_end(*this, step, logs);
            if (stop_requested_) break;
        }
        if (abort_requested_) break;
        if (parallel && options.distributed.check_weights) check_weights_agree(epoch);
        if (options.validation != nullptr) {
            const metric_logs validation = parallel ? validate_shared(*options.validation, options.batch_size / rank_count)
                                                    : evaluate(*options.validation, options.batch_size);
            for (const auto& [name, value] : validation.values) logs.set("val_" + name, value);
        }
        // Before the epoch-end callbacks run, so it is the rate this epoch trained with.
        if (options.log_learning_rate) logs.set("lr", optimizer_->learning_rate());
        result.epochs.push_back(logs);
        for (callback* c : callbacks) c->on_epoch_end(*this, epoch, logs);
    }
    for (callback* c : callbacks) c->on_train_end(*this, logs);
    ranks_ = nullptr;
    return result;
}

training_state trainer::position() const
{
    training_state p;
    p.resumable = true;
    p.epochs_done = epoch_ + 1;
    p.step = optimizer_->iterations();
    p.learning_rate = optimizer_->learning_rate();
    p.epoch = epoch_;
    p.steps_done = steps_done_;
    p.loss_sum = epoch_loss_sum_;
    for (const metric& m : metrics_) p.metric_counts.push_back(m.state());
    return p;
}

void trainer::evaluate_rows(const dataset& data, std::int64_t begin, std::int64_t end, std::int64_t batch_size,
                            double& loss_sum, std::vector<metric>& metrics)
{
    const std::vector<std::int64_t> in_order;  // empty: rows are taken as they are
    for (std::int64_t first = begin; first < end; first += batch_size) {
        const std::int64_t last = std::min(first + batch_size, end);
        gather(data, in_order, first, last, {});
        const tensor& prediction = model_.forward(backend_, batch_x_, false, 0);
        loss_sum += batch_loss(prediction, false);
        for (metric& m : metrics) m.update(backend_, prediction, batch_y_, batch_weights());
    }
}

metric_logs trainer::evaluate(const dataset& data, std::int64_t batch_size)
{
    if (data.size() == 0) throw data_error(data.name + ": no samples to evaluate");
    double loss_sum = 0.0;
    std::vector<metric> metrics = metrics_;
    for (metric& m : metrics) m.reset();
    evaluate_rows(data, 0, data.size(), batch_size, loss_sum, metrics);
    metric_logs logs;
    logs.set("loss", loss_sum / static_cast<double>(data.size()));
    for (const metric& m : metrics) logs.set(m.name(), m.result());
    return logs;
}

metric_logs trainer::validate_shared(const dataset& data, std::int64_t batch_size)
{
    if (data.size() == 0) throw data_error(data.name + ": no samples to evaluate");
    const auto [first, last] = share_of(data.size(), ranks_->rank(), ranks_->size());
    double loss_sum = 0.0;
    std::vector<metric> metrics = metrics_;
    for (metric& m : metrics) m.reset();
    evaluate_rows(data, first, last, std::max<std::int64_t>(batch_size, 1), loss_sum, metrics);
    // [loss sum, every metric's state]: the states are sums and counts, so they add.
    std::vector<double> sums = {loss_sum};
    for (const metric& m : metrics) sums.insert(sums.end(), m.state().begin(), m.state().end());
    ranks_->sum(sums.data(), sums.size());
    std::size_t at = 1;
    for (metric& m : metrics) {
        const std::size_t n = m.state().size();
        m.set_state(std::vector<double>(sums.begin() + static_cast<std::ptrdiff_t>(at),
                                        sums.begin() + static_cast<std::ptrdiff_t>(at + n)));
        at += n;
    }
    metric_logs logs;
    logs.set("loss", sums[0] / static_cast<double>(data.size()));
    for (const metric& m : metrics) logs.set(m.name(), m.result());
    return logs;
}

tensor trainer::predict(const tensor& x, std::int64_t batch_size)
{
    const std::int64_t samples = x.dims()[0];
    tensor result(model_.output_shape().with_batch(samples));
    const std::vector<std::int64_t> in_order;
    const std::size_t row_bytes = static_cast<std::size_t>(model_.output_shape().element_count()) * sizeof(float);
    dataset wrapper;
    for (std::int64_t begin = 0; begin < samples; begin += batch_size) {
        const std::int64_t end = std::min(begin + batch_size, samples);
        batch_x_.reshape_batch(x.dims(), end - begin);
        copy_rows(x, batch_x_, in_order, begin, end);
        const tensor& out = model_.forward(backend_, batch_x_, false, 0);
        std::memcpy(result.bytes() + static_cast<std::size_t>(begin) * row_bytes, out.bytes(),
                    static_cast<std::size_t>(end - begin) * row_bytes);
    }
    return result;
}

}  // namespace mlrun
