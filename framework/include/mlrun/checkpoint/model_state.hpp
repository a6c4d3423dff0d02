// Moving a model's (and optimizer's) state into and out of a checkpoint.
#pragma once

#include "mlrun/checkpoint/checkpoint.hpp"
#include "mlrun/metrics/metric_spec.hpp"
#include "mlrun/model/model.hpp"
#include "mlrun/optim/optimizer.hpp"

#include <map>
#include <string>
#include <vector>

namespace mlrun {

// The model's weights, named "<layer>/<weight>", in model order; with an
// optimizer also "optimizer/iterations" and every slot, and the
// model_config metadata.
checkpoint capture_state(const model& m, const optimizer* opt);

// Sets the metrics metadata (compile.metrics), and weighted_metrics when
// there are any, as metrics/metric_yaml writes them.
void put_metrics_metadata(std::map<std::string, std::string>& metadata, const std::vector<metric_spec>& metrics,
                          const std::vector<metric_spec>& weighted_metrics);

// One line of a load report: which tensor, what the model expected, what
// the file holds ("missing", "unused", "shape (784, 512) vs (784, 10)").
struct load_mismatch {
    std::string tensor;
    std::string problem;
};

// Copies the checkpoint's tensors into the model (and the optimizer, when
// given and the checkpoint holds its state). Strict: any missing weight,
// wrong shape or dtype, or unused tensor throws model_error with one table
// of every mismatch, and nothing is changed. With allow_partial, matching
// tensors are loaded and the mismatches are returned.
std::vector<load_mismatch> restore_state(model& m, optimizer* opt, const checkpoint& ckpt, bool allow_partial,
                                         const std::string& source);

}  // namespace mlrun
