// What a TensorFlow bundle looks like to mlrun: which of its tensors are
// read, under which names, and what becomes metadata.
//
// With mlrun names, a Keras model found in the object graph gives its
// weights, counter and slots mlrun's names (keras_names.hpp); the object
// graph itself, optimizer settings, object configs and `_MLRUN_METADATA/`
// strings become metadata; everything else keeps its key. With TensorFlow
// names every readable tensor keeps its key. Either way tensors of types
// mlrun lacks, and slices of partitioned variables, are listed in the
// `tf_skipped_tensors` metadata instead. Tensors come in storage order, so
// writing them back in that order reproduces the data file.
#pragma once

#include "bundle_reader.hpp"
#include "tf_options.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mlrun::tf {

struct viewed_tensor {
    std::string name;
    const bundle_entry* entry;  // owned by the bundle_reader
    int dtype;                  // mlrun_dtype
};

struct checkpoint_view {
    std::vector<viewed_tensor> tensors;
    std::vector<std::pair<std::string, std::string>> metadata;
};

// Reads what it needs (object graph, metadata strings, settings) from
// `bundle` when options.require_data allows.
checkpoint_view view_checkpoint(const bundle_reader& bundle, const tf_options& options);

}  // namespace mlrun::tf
