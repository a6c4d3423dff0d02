// Layer sizes from a file are multiplied out with overflow checks and held
// to size_limits.hpp before anything is allocated: an absurd size is a
// model_error naming the file, the layer and the size, not "out of memory".
#define BOOST_TEST_MODULE model_size_limits
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "mlrun/layers/layer_registry.hpp"
#include "mlrun/layers/size_limits.hpp"
#include "model/model_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <limits>
#include <string>

using namespace mlrun;

namespace {

// The message of the model_error that building `layers` (an experiment's
// model section, as file "exp.yaml") throws.
std::string build_error(const std::string& layers)
{
    try {
        auto m = build_model(YAML::Load(layers), "exp.yaml", std::nullopt);
        rng init(1);
        m->build(init);
    } catch (const model_error& e) {
        return e.what();
    }
    BOOST_FAIL("expected a model_error");
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(two_billion_units_name_the_file_the_layer_the_key_and_the_limit)
{
    const std::string message = build_error("- Dense: {units: 2000000000, activation: relu, input_shape: [784]}\n"
                                            "- Dense: {units: 10, activation: softmax}\n");
    BOOST_TEST(contains(message, "exp.yaml:1:3: model[0]: layer 'dense' (Dense), units: 2000000000: kernel of shape "
                                 "(784, 2000000000) would hold 1568000000000 parameters; a model may hold at most "
                                 "2147483648 (2^31)"),
               message);
}

BOOST_AUTO_TEST_CASE(a_dense_of_100000_by_100000_is_refused)
{
    const std::string message = build_error("- Dense: {units: 100000, input_shape: [100000]}\n");
    BOOST_TEST(contains(message, "exp.yaml:1:3: model[0]: layer 'dense' (Dense), units: 100000: kernel of shape "
                                 "(100000, 100000) would hold 10000000000 parameters"),
               message);
}

// The limit is the model's: the layers before count against it.
BOOST_AUTO_TEST_CASE(the_limit_counts_the_layers_before)
{
    const std::string message = build_error("- Dense: {units: 512, input_shape: [784]}\n"
                                            "- Dropout: {rate: 0.2}\n"
                                            "- Dense: {units: 100000000000}\n");
    BOOST_TEST(contains(message, "exp.yaml:3:3: model[2]: layer 'dense_1' (Dense), units: 100000000000: kernel of "
                                 "shape (512, 100000000000) would hold 51200000000000 parameters"),
               message);
    BOOST_TEST(contains(message, "(the layers before it hold 401920)"), message);
}

// A product past int64 is refused, not wrapped around to a small size.
BOOST_AUTO_TEST_CASE(a_parameter_count_past_int64_is_refused)
{
    const std::string message = build_error("- Dense: {units: 4611686018427387904, input_shape: [4]}\n");
    BOOST_TEST(contains(message, "kernel of shape (4, 4611686018427387904) has no element count that fits in int64"),
               message);
}

BOOST_AUTO_TEST_CASE(an_absurd_input_shape_is_refused_at_its_key)
{
    // (The Flatten after it would multiply the dimensions out: past int64.)
    const std::string message = build_error("- Flatten: {input_shape: [100000, 100000, 100000, 100000, 100000]}\n"
                                            "- Dense: {units: 10}\n");
    BOOST_TEST(contains(message, "exp.yaml:1:26: model[0].Flatten.input_shape: layer 'input' (InputLayer): its "
                                 "output of shape (100000, 100000, 100000, 100000, 100000) has no element count that "
                                 "fits in int64; a layer's output may hold at most 2147483648 (2^31) per sample"),
               message);
    const std::string input = build_error("- {name: pixels, Input: {shape: [3000000000]}}\n"
                                          "- {BatchNormalization: {}, inputs: [pixels]}\n");
    BOOST_TEST(contains(input, "exp.yaml:1:3: model[0]: layer 'pixels' (InputLayer): its output of shape "
                               "(3000000000,) holds 3000000000 values per sample"),
               input);
}

// A layer's output is bounded too, whatever its parameters: Concatenate
// has none.
BOOST_AUTO_TEST_CASE(a_huge_output_without_parameters_is_refused)
{
    const std::string message = build_error("- {name: a, Input: {shape: [2000000000]}}\n"
                                            "- {name: b, Activation: {activation: relu}, inputs: [a]}\n"
                                            "- {name: both, Concatenate: {}, inputs: [a, b]}\n");
    BOOST_TEST(contains(message, "exp.yaml:3:3: model[2]: layer 'both' (Concatenate): its output of shape "
                                 "(4000000000,) holds 4000000000 values per sample"),
               message);
}

BOOST_AUTO_TEST_CASE(counts_are_checked_for_overflow)
{
    BOOST_TEST(checked_element_count(shape{}).value() == 1);
    BOOST_TEST(checked_element_count(shape{784, 512}).value() == 401408);
    BOOST_TEST(checked_element_count(shape{0, std::numeric_limits<std::int64_t>::max()}).value() == 0);
    BOOST_TEST(!checked_element_count(shape{std::int64_t{1} << 32, std::int64_t{1} << 31}).has_value());
    BOOST_TEST(!checked_element_count(shape{3, -1}).has_value());
    BOOST_TEST(limit_text(max_model_parameters) == "2147483648 (2^31)");
}
