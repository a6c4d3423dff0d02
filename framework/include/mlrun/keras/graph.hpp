// A functional model (Keras's graph of layers), written layer by layer:
//
//     keras::graph g;
//     auto pixels = g.input({784});
//     auto a = g.add(keras::dense(64, "relu"), {pixels});
//     auto b = g.add(keras::dense(64, "tanh"), {pixels});
//     auto both = g.add(keras::concatenate(), {a, b});
//     g.add(keras::dense(10), {both});          // the last layer is the output
//     keras::model m = keras::functional(g);
#pragma once

#include "mlrun/keras/layers.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/model/model_spec.hpp"

#include <string>
#include <vector>

namespace mlrun::keras {

class graph {
public:
    // The model's input; returns its name ("input_1" unless named).
    std::string input(std::vector<std::int64_t> shape, std::string name = "");
    // Adds a layer fed by `inputs` (names returned by input() and add());
    // returns the layer's name, Keras's automatic one when it has none.
    // Errors (unknown inputs, bad settings) surface when the model is built.
    std::string add(const layer& l, std::vector<std::string> inputs);

    const model_spec& spec() const { return spec_; }

private:
    std::string name_of(const layer& l);

    model_spec spec_;
    layer_namer namer_;
};

}  // namespace mlrun::keras
