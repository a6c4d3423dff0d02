// Metrics that stream over the batches of an epoch, as Keras's stateful
// metrics do: update() adds a batch to the running state, result() is the
// value over every sample seen since reset() (not a mean of batch means).
#pragma once

#include "mlrun/core/tensor.hpp"
#include "mlrun/losses/loss_spec.hpp"
#include "mlrun/metrics/accuracy.hpp"
#include "mlrun/metrics/metric_spec.hpp"

#include <string>
#include <vector>

namespace mlrun {

class backend;

class metric {
public:
    // "accuracy" becomes the variant Keras picks for this loss and output
    // width. Checks the settings (check_metric_spec).
    metric(const metric_spec& spec, loss_kind loss, std::int64_t output_width);

    const std::string& name() const { return spec_.name; }
    const metric_spec& spec() const { return spec_; }
    // The kind after "accuracy" is resolved.
    metric_kind kind() const { return kind_; }

    // Throws data_error when targets of this type and shape cannot be
    // scored against an output of per-sample shape `output`.
    void check_targets_fit(const shape& output, const tensor& targets) const;

    void reset();
    void update(backend& be, const tensor& prediction, const tensor& targets);
    double result() const;

    // The running state (accuracy: correct, total; AUC: the confusion
    // counts at each threshold), so a resumed epoch goes on from it.
    const std::vector<double>& state() const { return state_; }
    // Ignored unless it has the size of state(): a checkpoint of other metrics.
    void set_state(const std::vector<double>& state);

private:
    void update_accuracy(backend& be, const tensor& prediction, const tensor& targets);
    void update_top_k(backend& be, const tensor& prediction, const tensor& targets);
    void update_confusion(const tensor& prediction, const tensor& targets);
    void update_auc(const tensor& prediction, const tensor& targets);
    void update_error(const tensor& prediction, const tensor& targets);

    metric_spec spec_;
    metric_kind kind_;
    std::vector<double> state_;
    std::vector<float> thresholds_;  // AUC's
    tensor predicted_;  // argmax per row
    tensor expected_;
};

}  // namespace mlrun
