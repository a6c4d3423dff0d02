// The C++ API: Keras's model, layers and callbacks with C++'s habits.
// docs/cpp-api.md shows it by example.
#pragma once

#include "mlrun/keras/graph.hpp"
#include "mlrun/keras/layers.hpp"
#include "mlrun/keras/model.hpp"
#include "mlrun/keras/model_checkpoint.hpp"
