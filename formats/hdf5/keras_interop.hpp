// The hdf5 plugin is written in terms of the shared Keras translation
// (mlrun/interop/keras, the mlrun_keras_interop library): its types and
// functions are the plugin's own names.
#pragma once

#include "interop/keras/format_error.hpp"
#include "interop/keras/json.hpp"
#include "interop/keras/model_config.hpp"
#include "interop/keras/plugin_layer_forms.hpp"
#include "interop/keras/staged_checkpoint.hpp"
#include "interop/keras/training_config.hpp"
#include "interop/keras/weight_names.hpp"

namespace mlrun::keras_h5 {

using namespace mlrun::interop::keras;
// The framework has its own model_spec and layer_spec (the typed API);
// in this plugin those names mean the Keras translation's.
using mlrun::interop::keras::layer_spec;
using mlrun::interop::keras::model_spec;

}  // namespace mlrun::keras_h5
