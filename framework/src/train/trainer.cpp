#include "mlrun/train/trainer.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"

#include <cmath>
#include <cstring>
#include <ostream>
#include <string>
#include <numeric>

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

const char* const non_finite_go_on_note = "; fit.terminate_on_nan is false, so training goes on (warned once)\n";

}  // namespace

trainer::trainer(model& m, backend& be, loss_function loss, std::unique_ptr<optimizer> opt,
                 std::vector<metric> metrics)
    : model_(m), backend_(be), loss_(loss), optimizer_(std::move(opt)), metrics_(std::move(metrics))
{
    loss_.attach(model_);
    optimizer_->attach(model_.trainable_parameters());
}

std::int64_t trainer::steps_per_epoch(std::int64_t samples, std::int64_t batch_size) const
{
    return (samples + batch_size - 1) / batch_size;
}

void trainer::gather(const dataset& data, const std::vector<std::int64_t>& order, std::int64_t begin,
                     std::int64_t end)
{
    const std::int64_t count = end - begin;
    if (batch_x_.type() != data.x.type()) batch_x_ = tensor(data.x.type(), {});
    if (batch_y_.type() != data.y.type()) batch_y_ = tensor(data.y.type(), {});
    batch_x_.reshape_batch(data.x.dims(), count);
    batch_y_.reshape_batch(data.y.dims(), count);
    copy_rows(data.x, batch_x_, order, begin, end);
    copy_rows(data.y, batch_y_, order, begin, end);
}

double trainer::train_step(std::uint64_t step_seed)
{
    const tensor& prediction = model_.forward(backend_, batch_x_, true, step_seed);
    const double batch_loss = loss_.compute(backend_, model_, prediction, batch_y_, true);
    epoch_loss_sum_ += batch_loss;
    for (metric& m : metrics_) m.update(backend_, prediction, batch_y_);
    model_.backward(backend_);
    optimizer_->step(backend_);
    return batch_loss;
}

history trainer::fit(const dataset& train, const fit_options& options, const std::vector<callback*>& callbacks)
{
    if (options.batch_size < 1) throw config_error("fit.batch_size must be at least 1");
    if (train.size() == 0) throw data_error(train.name + ": no samples to train on");
    if (train.y.dims()[0] != train.size()) {
        throw data_error(train.name + ": " + std::to_string(train.size()) + " inputs but " +
                         std::to_string(train.y.dims()[0]) + " targets");
    }
    stop_requested_ = false;
    abort_requested_ = false;
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
    const std::uint64_t dropout_seed = derive_seed(options.seed, dropout_stream);

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
            gather(train, order, begin, end);
            // Dropout masks follow the global step, so they survive a resume.
            const double batch_loss =
                train_step(derive_seed(dropout_seed, static_cast<std::uint64_t>(optimizer_->iterations())));
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
        if (options.validation != nullptr) {
            const metric_logs validation = evaluate(*options.validation, options.batch_size);
            for (const auto& [name, value] : validation.values) logs.set("val_" + name, value);
        }
        // Before the epoch-end callbacks run, so it is the rate this epoch trained with.
        if (options.log_learning_rate) logs.set("lr", optimizer_->learning_rate());
        result.epochs.push_back(logs);
        for (callback* c : callbacks) c->on_epoch_end(*this, epoch, logs);
    }
    for (callback* c : callbacks) c->on_train_end(*this, logs);
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

metric_logs trainer::evaluate(const dataset& data, std::int64_t batch_size)
{
    if (data.size() == 0) throw data_error(data.name + ": no samples to evaluate");
    const std::vector<std::int64_t> in_order;  // empty: rows are taken as they are
    double loss_sum = 0.0;
    std::vector<metric> metrics = metrics_;
    for (metric& m : metrics) m.reset();
    for (std::int64_t begin = 0; begin < data.size(); begin += batch_size) {
        const std::int64_t end = std::min(begin + batch_size, data.size());
        gather(data, in_order, begin, end);
        const tensor& prediction = model_.forward(backend_, batch_x_, false, 0);
        loss_sum += loss_.compute(backend_, model_, prediction, batch_y_, false);
        for (metric& m : metrics) m.update(backend_, prediction, batch_y_);
    }
    metric_logs logs;
    logs.set("loss", loss_sum / static_cast<double>(data.size()));
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
