// Hooks into the training loop, the way Keras callbacks are.
//
// Epochs are 0-based here (Keras passes 0-based epochs to callbacks and
// prints them 1-based). Logs are the metrics so far, in a fixed order:
// loss, the metrics, then val_loss and the validation metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlrun {

class trainer;

struct metric_logs {
    std::vector<std::pair<std::string, double>> values;

    void set(const std::string& name, double value);
    std::optional<double> get(const std::string& name) const;
};

class callback {
public:
    virtual ~callback() = default;
    virtual void on_train_begin(trainer&) {}
    virtual void on_epoch_begin(trainer&, int /*epoch*/) {}
    virtual void on_batch_begin(trainer&, std::int64_t /*batch*/) {}
    virtual void on_batch_end(trainer&, std::int64_t /*batch*/, const metric_logs&) {}
    virtual void on_epoch_end(trainer&, int /*epoch*/, const metric_logs&) {}
    virtual void on_train_end(trainer&, const metric_logs&) {}
};

}  // namespace mlrun
