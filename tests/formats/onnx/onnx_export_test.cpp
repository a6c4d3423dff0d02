// The graph the onnx plugin builds for each layer class and activation, the
// layers and files it refuses (by name), and the file writer's atomicity.
// Numerical agreement with mlrun is onnx_runtime_test.cpp's job.
#include <boost/test/unit_test.hpp>

#include "onnx_test_support.hpp"

#include "model_export.hpp"
#include "onnx_error.hpp"
#include "onnx_file.hpp"
#include "onnx_inspect.hpp"

#include "support/temp_files.hpp"

#include "mlrun/version.hpp"

#include <boost/filesystem.hpp>

#include <fstream>

using namespace mlrun;
namespace of = mlrun::onnx_format;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The message export_model throws for `staged`, or "" when it exports.
std::string export_error(const of::staged_export& staged)
{
    try {
        of::export_model(staged);
    } catch (const of::format_error& e) {
        return e.what();
    }
    return "";
}

const onnx::NodeProto& node_named(const onnx::ModelProto& model, const std::string& output)
{
    for (const onnx::NodeProto& n : model.graph().node()) {
        if (n.output(0) == output) return n;
    }
    BOOST_FAIL("no node makes '" + output + "'");
    return model.graph().node(0);
}

std::string dims_text(const onnx::ValueInfoProto& value)
{
    std::string text;
    for (const auto& d : value.type().tensor_type().shape().dim()) {
        text += (text.empty() ? "" : ",") + (d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
    }
    return text;
}

const char* const tutorial = R"(
- Dense: {units: 512, activation: relu, input_shape: [784]}
- Dropout: {rate: 0.2}
- Dense: {units: 10, activation: softmax}
)";

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_export)

BOOST_AUTO_TEST_CASE(tutorial_model_is_gemm_relu_identity_gemm_softmax)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(tutorial));
    BOOST_TEST(testing::op_types(model) == "Gemm Relu Identity Gemm Softmax");
    BOOST_TEST(model.opset_import_size() == 1);
    BOOST_TEST(model.opset_import(0).domain() == "");
    BOOST_TEST(model.opset_import(0).version() == 17);
    BOOST_TEST(model.ir_version() == onnx::IR_VERSION);
    BOOST_TEST(model.producer_name() == "mlrun");
    BOOST_TEST(model.producer_version() == MLRUN_VERSION);
    // Named after the layers, with a dynamic batch axis.
    BOOST_TEST(model.graph().input_size() == 1);
    BOOST_TEST(model.graph().input(0).name() == "input");
    BOOST_TEST(dims_text(model.graph().input(0)) == "batch,784");
    BOOST_TEST(model.graph().output_size() == 1);
    BOOST_TEST(model.graph().output(0).name() == "dense_1");
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,10");
    std::vector<std::string> initializers;
    for (const auto& t : model.graph().initializer()) initializers.push_back(t.name());
    BOOST_TEST(initializers == (std::vector<std::string>{"dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"}),
               boost::test_tools::per_element());
    const onnx::NodeProto& softmax = node_named(model, "dense_1");
    BOOST_TEST(softmax.attribute(0).name() == "axis");
    BOOST_TEST(softmax.attribute(0).i() == -1);
}

BOOST_AUTO_TEST_CASE(weights_are_the_checkpoint_bytes)
{
    const of::staged_export staged = testing::staged_model(tutorial);
    const onnx::ModelProto model = of::export_model(staged);
    for (const onnx::TensorProto& init : model.graph().initializer()) {
        const of::staged_tensor* source = staged.find_tensor(init.name());
        BOOST_TEST_REQUIRE(source != nullptr, init.name());
        BOOST_TEST(init.data_type() == onnx::TensorProto::FLOAT);
        BOOST_TEST(std::vector<std::int64_t>(init.dims().begin(), init.dims().end()) == source->dims,
                   boost::test_tools::per_element());
        BOOST_TEST(init.raw_data() == std::string(source->bytes.begin(), source->bytes.end()), init.name());
    }
}

BOOST_AUTO_TEST_CASE(every_activation_maps_to_its_op)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [6], name: x}
- Dense: {units: 5, activation: sigmoid, name: s}
- Dense: {units: 5, activation: tanh, name: t}
- Dense: {units: 5, activation: linear, use_bias: false, name: l}
- Activation: {activation: relu, name: r}
- Activation: {activation: linear, name: lin}
- Activation: {activation: softmax, name: out}
)"));
    BOOST_TEST(testing::op_types(model) == "Gemm Sigmoid Gemm Tanh Gemm Relu Identity Softmax");
    BOOST_TEST(node_named(model, "l").input_size() == 2);  // no bias input without use_bias
    BOOST_TEST(model.graph().input(0).name() == "x");
    BOOST_TEST(model.graph().output(0).name() == "out");
}

BOOST_AUTO_TEST_CASE(functional_graph_with_add_concatenate_and_batch_normalization)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [28, 28], name: pixels}
- Flatten: {name: flat}
- {Dense: {units: 8, activation: relu, name: a}, inputs: [flat]}
- {BatchNormalization: {name: bn, epsilon: 0.01}, inputs: [a]}
- {Dense: {units: 8, activation: tanh, name: b}, inputs: [flat]}
- {Add: {name: sum}, inputs: [bn, b]}
- {Add: {name: sum3}, inputs: [bn, b, sum]}
- {Concatenate: {name: both}, inputs: [sum3, a]}
- {Dense: {units: 10, activation: softmax, name: out}, inputs: [both]}
)"));
    BOOST_TEST(testing::op_types(model) == "Flatten Gemm Relu BatchNormalization Gemm Tanh Add Sum Concat Gemm Softmax");
    BOOST_TEST(dims_text(model.graph().input(0)) == "batch,28,28");
    const onnx::NodeProto& bn = node_named(model, "bn");
    BOOST_TEST(std::vector<std::string>(bn.input().begin(), bn.input().end()) ==
                   (std::vector<std::string>{"a", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"}),
               boost::test_tools::per_element());
    BOOST_TEST(bn.attribute(0).name() == "epsilon");
    BOOST_TEST(bn.attribute(0).f() == 0.01f);
    BOOST_TEST(node_named(model, "both").attribute(0).i() == -1);
    BOOST_TEST(node_named(model, "out").input(0) == "out/Gemm");
    BOOST_TEST(node_named(model, "out/Gemm").input(0) == "both");
}

BOOST_AUTO_TEST_CASE(batch_normalization_without_scale_or_center_gets_constants)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Dense: {units: 4, input_shape: [3], name: d}
- BatchNormalization: {name: bn, center: false, scale: false}
)"));
    const onnx::NodeProto& bn = node_named(model, "bn");
    BOOST_TEST(bn.input(1) == "bn/unit_scale");
    BOOST_TEST(bn.input(2) == "bn/zero_offset");
}

BOOST_AUTO_TEST_CASE(batch_normalization_of_deeper_samples_is_the_formula_over_the_last_axis)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [4, 3], name: x}
- BatchNormalization: {name: bn}
- Flatten: {name: flat}
)"));
    BOOST_TEST(testing::op_types(model) == "Sub Add Sqrt Div Mul Add Flatten");
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,12");
}

BOOST_AUTO_TEST_CASE(a_class_without_mapping_is_refused_by_name)
{
    of::staged_export staged = testing::staged_model("[{Dense: {units: 3, input_shape: [4], name: d}}]");
    for (auto& [key, value] : staged.metadata) {
        if (key == "model_config") value = "- Dense: {name: d, units: 3, input_shape: [4]}\n- LeakyRectifier: {name: lrelu, alpha: 0.2}\n";
    }
    const std::string message = export_error(staged);
    BOOST_TEST(contains(message, "layer 'lrelu' (LeakyRectifier): no ONNX mapping for the class LeakyRectifier"), message);
    BOOST_TEST(contains(message, "exportable: Input, Activation, Add, AveragePooling1D"), message);
}

BOOST_AUTO_TEST_CASE(an_activation_without_mapping_is_refused_by_name)
{
    of::staged_export staged = testing::staged_model("[{Dense: {units: 3, input_shape: [4], name: d}}]");
    for (auto& [key, value] : staged.metadata) {
        if (key == "model_config") value = "- Dense: {name: d, units: 3, activation: sparsemax, input_shape: [4]}\n";
    }
    const std::string message = export_error(staged);
    BOOST_TEST(contains(message, "layer 'd' (Dense): activation 'sparsemax' has no ONNX mapping; exportable: elu, "
                                 "exponential, gelu, gelu_tanh, hard_sigmoid,"),
               message);
}

BOOST_AUTO_TEST_CASE(a_setting_onnx_cannot_express_is_refused_by_name)
{
    of::staged_export staged = testing::staged_model("[{Conv2D: {filters: 2, kernel_size: 3, input_shape: [5, 5, 1], name: c}}]");
    for (auto& [key, value] : staged.metadata) {
        if (key == "model_config") {
            value = "- Conv2D: {name: c, filters: 2, kernel_size: 3, padding: causal, input_shape: [5, 5, 1]}\n";
        }
    }
    BOOST_TEST(contains(export_error(staged), "layer 'c' (Conv2D): expected padding valid or same, found causal"),
               export_error(staged));
    for (auto& [key, value] : staged.metadata) {
        if (key == "model_config") {
            value = "- Conv2D: {name: c, filters: 2, kernel_size: 3, data_format: channels_first, input_shape: [5, 5, 1]}\n";
        }
    }
    BOOST_TEST(contains(export_error(staged), "layer 'c' (Conv2D): expected data_format channels_last, found channels_first"),
               export_error(staged));
}

std::vector<std::int64_t> ints_of(const onnx::NodeProto& node, const std::string& name)
{
    for (const onnx::AttributeProto& a : node.attribute()) {
        if (a.name() == name) return {a.ints().begin(), a.ints().end()};
    }
    BOOST_FAIL("node '" + node.output(0) + "' has no attribute " + name);
    return {};
}

std::string text_of(const onnx::NodeProto& node, const std::string& name)
{
    for (const onnx::AttributeProto& a : node.attribute()) {
        if (a.name() == name) return a.s();
    }
    return "<absent>";
}

std::int64_t int_of(const onnx::NodeProto& node, const std::string& name)
{
    for (const onnx::AttributeProto& a : node.attribute()) {
        if (a.name() == name) return a.i();
    }
    BOOST_FAIL("node '" + node.output(0) + "' has no attribute " + name);
    return 0;
}

using ints = std::vector<std::int64_t>;

// NHWC values between layers, NCHW inside each convolution; same padding of
// 7 rows by 8 columns at stride 2 pads (1, 1) and (0, 1), the odd cell after.
BOOST_AUTO_TEST_CASE(a_convolution_runs_channels_first_between_transposes_with_tensorflow_padding)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [7, 8, 3], name: x}
- Conv2D: {filters: 4, kernel_size: 3, strides: 2, padding: same, activation: relu, name: c}
- MaxPooling2D: {pool_size: 2, name: p}
- Flatten: {name: flat}
)"));
    BOOST_TEST(testing::op_types(model) == "Transpose Transpose Conv Transpose Relu Transpose MaxPool Transpose Flatten");
    const onnx::NodeProto& conv = node_named(model, "c/Conv");
    BOOST_TEST(ints_of(conv, "pads") == (ints{1, 0, 1, 1}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(conv, "strides") == (ints{2, 2}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(conv, "kernel_shape") == (ints{3, 3}), boost::test_tools::per_element());
    BOOST_TEST(int_of(conv, "group") == 1);
    BOOST_TEST(conv.input(1) == "c/Transpose");  // the HWIO kernel as OIHW
    BOOST_TEST(node_named(model, "c/Transpose").input(0) == "c/kernel");
    BOOST_TEST(ints_of(node_named(model, "c/Transpose"), "perm") == (ints{3, 2, 0, 1}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(node_named(model, "c/Transpose_1"), "perm") == (ints{0, 3, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(node_named(model, "c/Transpose_2"), "perm") == (ints{0, 2, 3, 1}), boost::test_tools::per_element());
    BOOST_TEST(conv.input(2) == "c/bias");
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,16");  // 4 x 4 cells, pooled to 2 x 2, of 4 channels
}

// Keras's sizes: valid at stride 3 with a 2-cell kernel is 3 * input, one
// more than the kernels reach (output_padding); same at stride 2 with a
// 3-cell kernel crops the odd cell at the end.
BOOST_AUTO_TEST_CASE(a_transposed_convolution_gets_keras_output_size)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [3, 4, 2], name: x}
- Conv2DTranspose: {filters: 5, kernel_size: 2, strides: 3, name: up}
- Conv2DTranspose: {filters: 2, kernel_size: 3, strides: 2, padding: same, use_bias: false, name: same}
)"));
    const onnx::NodeProto& up = node_named(model, "up/ConvTranspose");
    BOOST_TEST(ints_of(up, "pads") == (ints{0, 0, 0, 0}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(up, "output_padding") == (ints{1, 1}), boost::test_tools::per_element());
    const onnx::NodeProto& same = node_named(model, "same/ConvTranspose");
    BOOST_TEST(ints_of(same, "pads") == (ints{0, 0, 1, 1}), boost::test_tools::per_element());
    BOOST_TEST(ints_of(same, "output_padding") == (ints{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(same.input_size() == 2);
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,18,24,2");
}

BOOST_AUTO_TEST_CASE(depthwise_kernels_are_grouped_and_separable_ones_add_a_pointwise_convolution)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [6, 6, 3], name: x}
- DepthwiseConv2D: {kernel_size: 3, depth_multiplier: 2, name: dw}
- SeparableConv2D: {filters: 4, kernel_size: 2, name: sep}
)"));
    BOOST_TEST(int_of(node_named(model, "dw/Conv"), "group") == 3);
    BOOST_TEST(node_named(model, "dw/Reshape").input(0) == "dw/depthwise_kernel");
    BOOST_TEST(node_named(model, "dw/Reshape").input(1) == "dw/grouped_kernel_shape");
    BOOST_TEST(int_of(node_named(model, "sep/Conv"), "group") == 6);
    BOOST_TEST(node_named(model, "sep/Conv_1").input(2) == "sep/bias");
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,3,3,4");
}

BOOST_AUTO_TEST_CASE(poolings_reshaping_and_lookup_layers_map_to_their_ops)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [5, 6, 2], name: x}
- AveragePooling2D: {pool_size: 2, padding: same, name: ap}
- ZeroPadding2D: {padding: [[1, 0], [2, 3]], name: pad}
- Cropping2D: {cropping: [1, 2], name: crop}
- UpSampling2D: {size: [2, 1], name: near}
- UpSampling2D: {interpolation: bilinear, name: bi}
- GlobalAveragePooling2D: {keepdims: true, name: gap}
- Reshape: {target_shape: [-1], name: flat}
)"));
    BOOST_TEST(testing::op_types(model) == "Transpose AveragePool Transpose Pad Slice Resize Resize ReduceMean Reshape");
    const onnx::NodeProto& ap = node_named(model, "ap/AveragePool");
    BOOST_TEST(int_of(ap, "count_include_pad") == 0);  // Keras averages the cells inside the input only
    BOOST_TEST(ints_of(ap, "pads") == (ints{0, 0, 1, 0}), boost::test_tools::per_element());
    BOOST_TEST(text_of(node_named(model, "near"), "coordinate_transformation_mode") == "asymmetric");
    BOOST_TEST(text_of(node_named(model, "near"), "nearest_mode") == "floor");
    BOOST_TEST(text_of(node_named(model, "bi"), "mode") == "linear");
    BOOST_TEST(text_of(node_named(model, "bi"), "coordinate_transformation_mode") == "half_pixel");
    BOOST_TEST(ints_of(node_named(model, "gap"), "axes") == (ints{1, 2}), boost::test_tools::per_element());
    BOOST_TEST(dims_text(model.graph().output(0)) == "batch,2");
    // ap: 3 x 3; pad: 4 x 8; crop: 2 x 4; near: 4 x 4; bi: 8 x 8.
    int constants = 0;
    for (const onnx::TensorProto& t : model.graph().initializer()) {
        constants += t.name() == "pad/pads" || t.name() == "flat/shape";
        if (t.name() == "pad/pads") {
            BOOST_TEST(ints(t.int64_data().begin(), t.int64_data().end()) == (ints{0, 1, 2, 0, 0, 0, 3, 0}),
                       boost::test_tools::per_element());
        }
        if (t.name() == "flat/shape") {
            BOOST_TEST(ints(t.int64_data().begin(), t.int64_data().end()) == (ints{0, 2}), boost::test_tools::per_element());
        }
    }
    BOOST_TEST(constants == 2);

    const onnx::ModelProto lookup = of::export_model(testing::staged_model(R"(
- Input: {shape: [5], name: ids}
- Embedding: {input_dim: 10, output_dim: 3, name: e}
- LayerNormalization: {epsilon: 0.01, center: false, name: ln}
- Permute: {dims: [2, 1], name: swap}
)"));
    BOOST_TEST(testing::op_types(lookup) == "Cast Gather LayerNormalization Transpose");
    BOOST_TEST(int_of(node_named(lookup, "e/Cast"), "to") == onnx::TensorProto::INT64);
    BOOST_TEST(node_named(lookup, "e").input(0) == "e/embeddings");
    BOOST_TEST(node_named(lookup, "ln").input_size() == 2);  // no offset without center
    BOOST_TEST(ints_of(node_named(lookup, "swap"), "perm") == (ints{0, 2, 1}), boost::test_tools::per_element());
    BOOST_TEST(dims_text(lookup.graph().output(0)) == "batch,3,5");
}

BOOST_AUTO_TEST_CASE(activations_without_an_op_are_built_from_elementwise_ones)
{
    const onnx::ModelProto model = of::export_model(testing::staged_model(R"(
- Input: {shape: [4], name: x}
- Activation: {activation: gelu, name: g}
- Activation: {activation: mish, name: m}
- Activation: {activation: swish, name: s}
- Activation: {activation: relu6, name: r6}
- Activation: {activation: hard_sigmoid, name: hs}
- ReLU: {max_value: 2.0, name: capped}
- ReLU: {negative_slope: 0.1, name: leaky}
- ReLU: {threshold: 0.5, max_value: 3.0, name: general}
)"));
    BOOST_TEST(testing::op_types(model) == "Div Erf Add Mul Mul Softplus Tanh Mul Sigmoid Mul Clip HardSigmoid Clip "
                                           "LeakyRelu Sub Mul GreaterOrEqual Where GreaterOrEqual Where");
    BOOST_TEST(node_named(model, "hs").attribute(0).f() == 1.0f / 6.0f);  // Keras 3: relu6(x + 3) / 6
}

BOOST_AUTO_TEST_CASE(missing_or_misshapen_weights_name_the_tensor)
{
    of::staged_export staged = testing::staged_model(tutorial);
    staged.tensors.erase(staged.tensors.begin());  // dense/kernel
    BOOST_TEST(contains(export_error(staged), "layer 'dense' (Dense): the checkpoint has no tensor 'dense/kernel'"));

    staged = testing::staged_model(tutorial);
    staged.tensors[1].dims = {256, 2};  // dense/bias
    const std::string message = export_error(staged);
    BOOST_TEST(contains(message, "tensor 'dense/bias': expected float32 (512,), found float32 (256, 2)"), message);
}

BOOST_AUTO_TEST_CASE(weights_without_architecture_are_refused)
{
    of::staged_export staged = testing::staged_model(tutorial);
    staged.metadata.clear();
    BOOST_TEST(contains(export_error(staged), "holds no architecture (model_config)"));
}

BOOST_AUTO_TEST_CASE(written_file_parses_back_and_a_failed_write_keeps_the_old_file)
{
    testing::temp_directory dir;
    const std::string path = (dir.path / "m.onnx").string();
    const onnx::ModelProto model = of::export_model(testing::staged_model(tutorial));
    of::write_model_file(path, model);
    BOOST_TEST(of::read_model_file(path).SerializeAsString() == model.SerializeAsString());
    // A path whose temporary cannot be made: an error naming it, nothing left behind.
    const std::string missing = (dir.path / "no_such_dir" / "m.onnx").string();
    BOOST_CHECK_EXCEPTION(of::write_model_file(missing, model), of::format_error,
                          [&](const of::format_error& e) { return contains(e.what(), missing); });
    std::size_t files = 0;
    for (auto it = boost::filesystem::directory_iterator(dir.path); it != boost::filesystem::directory_iterator(); ++it) ++files;
    BOOST_TEST(files == 1u);
}

BOOST_AUTO_TEST_CASE(reading_refuses_what_is_not_an_onnx_model)
{
    testing::temp_directory dir;
    auto message_for = [](const std::string& path) {
        try {
            of::read_model_file(path);
        } catch (const of::format_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    const std::string garbage = dir.write("garbage.onnx", std::string("\xff\xff\xff\xff not protobuf", 18));
    BOOST_TEST(contains(message_for(garbage), garbage + ": not an ONNX model"), message_for(garbage));
    const std::string empty = dir.write("empty.onnx", "");
    BOOST_TEST(contains(message_for(empty), "without a graph"), message_for(empty));
    BOOST_TEST(contains(message_for(dir.path.string()), "not a regular file"));
    BOOST_TEST(contains(message_for((dir.path / "absent.onnx").string()), "cannot open"));
}

BOOST_AUTO_TEST_CASE(inspect_lists_initializers_and_refuses_ones_it_cannot_show)
{
    onnx::ModelProto model = of::export_model(testing::staged_model(tutorial));
    const of::inspected_model shown = of::inspect_model(model, "m.onnx");
    BOOST_TEST(shown.initializers.size() == 4u);
    BOOST_TEST(shown.initializers[0].name == "dense/kernel");
    auto meta = [&](const std::string& key) {
        for (const auto& [k, v] : shown.metadata) {
            if (k == key) return v;
        }
        return std::string("<absent>");
    };
    BOOST_TEST(meta("onnx_inputs") == "input: FLOAT [batch, 784]");
    BOOST_TEST(meta("onnx_outputs") == "dense_1: FLOAT [batch, 10]");
    BOOST_TEST(meta("onnx_opsets") == "ai.onnx 17");
    BOOST_TEST(contains(meta("model_config_error"), "export-only"));

    auto refusal = [](const onnx::ModelProto& m) {
        try {
            of::inspect_model(m, "m.onnx");
        } catch (const of::format_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    onnx::ModelProto short_data = model;
    short_data.mutable_graph()->mutable_initializer(1)->mutable_raw_data()->resize(12);
    BOOST_TEST(contains(refusal(short_data), "m.onnx: initializer 'dense/bias': holds 12 bytes, its dims need 2048"),
               refusal(short_data));
    onnx::ModelProto negative = model;
    negative.mutable_graph()->mutable_initializer(1)->set_dims(0, -5);
    BOOST_TEST(contains(refusal(negative), "initializer 'dense/bias': impossible dimension -5"), refusal(negative));
    onnx::ModelProto external = model;
    external.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
    BOOST_TEST(contains(refusal(external), "its data is in an external file"), refusal(external));
    onnx::ModelProto doubles = model;
    doubles.mutable_graph()->mutable_initializer(0)->set_data_type(onnx::TensorProto::DOUBLE);
    BOOST_TEST(contains(refusal(doubles), "ONNX data type 11 (DOUBLE)"), refusal(doubles));
}

BOOST_AUTO_TEST_SUITE_END()
