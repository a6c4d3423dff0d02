// Accuracy, in the variant Keras picks for the loss: sparse categorical
// (argmax vs class index), categorical (argmax vs argmax of a one-hot
// target) or binary (prediction > 0.5 vs target > 0.5).
#pragma once

#include "mlrun/core/tensor.hpp"
#include "mlrun/losses/loss.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class backend;

enum class accuracy_kind { sparse_categorical, categorical, binary };

// The variant Keras's "accuracy" resolves to for this loss and output width.
accuracy_kind choose_accuracy(loss_kind loss, std::int64_t output_width);

// Known metric names ("accuracy", "acc" and the explicit variants); throws
// config_error for others. Returns the variant, given the loss and width.
accuracy_kind parse_accuracy(const std::string& name, loss_kind loss, std::int64_t output_width);
std::vector<std::string> metric_names();

class accuracy_metric {
public:
    accuracy_metric(std::string name, accuracy_kind kind) : name_(std::move(name)), kind_(kind) {}

    const std::string& name() const { return name_; }
    void reset() { correct_ = 0, total_ = 0; }
    void update(backend& be, const tensor& prediction, const tensor& targets);
    double result() const { return total_ == 0 ? 0.0 : static_cast<double>(correct_) / static_cast<double>(total_); }
    // The running counts, so a resumed epoch goes on from them.
    std::pair<std::int64_t, std::int64_t> counts() const { return {correct_, total_}; }
    void set_counts(std::pair<std::int64_t, std::int64_t> c) { correct_ = c.first, total_ = c.second; }

private:
    std::string name_;
    accuracy_kind kind_;
    std::int64_t correct_ = 0;
    std::int64_t total_ = 0;
    tensor predicted_;  // argmax per row
    tensor expected_;
};

}  // namespace mlrun
