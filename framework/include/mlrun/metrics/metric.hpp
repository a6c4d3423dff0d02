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
    // width. Checks the settings (check_metric_spec). A weighted metric
    // (compile.weighted_metrics) counts each sample by its weight.
    metric(const metric_spec& spec, loss_kind loss, std::int64_t output_width, bool weighted = false);

    const std::string& name() const { return spec_.name; }
    const metric_spec& spec() const { return spec_; }
    // The kind after "accuracy" is resolved.
    metric_kind kind() const { return kind_; }
    bool weighted() const { return weighted_; }

    // Throws data_error when targets of this type and shape cannot be
    // scored against an output of per-sample shape `output`.
    void check_targets_fit(const shape& output, const tensor& targets) const;

    void reset();
    // `sample_weights`: one per row of the batch, or nullptr for all 1.
    // Only a weighted metric reads them; as Keras weights its metrics, a
    // mean (accuracy, errors) becomes sum(w * value) / sum(w) over the
    // samples, and the confusion counts (precision, recall, AUC) add w
    // for each of a sample's values instead of 1.
    void update(backend& be, const tensor& prediction, const tensor& targets, const float* sample_weights = nullptr);
    double result() const;

    // The running state (accuracy: correct, total; AUC: the confusion
    // counts at each threshold), so a resumed epoch goes on from it.
    const std::vector<double>& state() const { return state_; }
    // Ignored unless it has the size of state(): a checkpoint of other metrics.
    void set_state(const std::vector<double>& state);

private:
    // `weights`: nullptr, or one per row.
    void update_accuracy(backend& be, const tensor& prediction, const tensor& targets, const float* weights);
    void update_top_k(backend& be, const tensor& prediction, const tensor& targets, const float* weights);
    void update_confusion(const tensor& prediction, const tensor& targets, const float* weights);
    void update_auc(const tensor& prediction, const tensor& targets, const float* weights);
    void update_error(const tensor& prediction, const tensor& targets, const float* weights);

    metric_spec spec_;
    metric_kind kind_;
    bool weighted_ = false;
    std::vector<double> state_;
    std::vector<float> thresholds_;  // AUC's
    tensor predicted_;  // argmax per row
    tensor expected_;
};

// compile's metrics, then its weighted_metrics (weighted, under the names
// metric_log_names gives them), for this loss and output width.
std::vector<metric> compiled_metrics(const std::vector<metric_spec>& metrics,
                                     const std::vector<metric_spec>& weighted_metrics, loss_kind loss,
                                     std::int64_t output_width);

}  // namespace mlrun
