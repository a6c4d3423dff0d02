// Tensors, shapes, the generator and the summary table.
#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include "mlrun/core/rng.hpp"
#include "mlrun/core/tensor.hpp"
#include "support/test_models.hpp"

#include <sstream>

using namespace mlrun;

BOOST_AUTO_TEST_CASE(shapes_print_like_keras)
{
    BOOST_TEST(shape({784}).to_string() == "(784,)");
    BOOST_TEST(shape({-1, 512}).to_string() == "(None, 512)");
    BOOST_TEST(shape({28, 28}).with_batch(32).element_count() == 32 * 28 * 28);
}

BOOST_AUTO_TEST_CASE(tensors_keep_their_buffer_when_shrinking)
{
    tensor t({32, 10});
    float* before = t.f32();
    t.f32()[5] = 3.0f;
    t.reshape({8, 10});
    BOOST_TEST(t.f32() == before);
    BOOST_TEST(t.f32()[5] == 3.0f);
    t.reshape({64, 10});
    BOOST_TEST(t.size() == 640);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(t.f32()) % 64 == 0u);
}

BOOST_AUTO_TEST_CASE(tensor_types_are_checked)
{
    tensor labels(dtype::int32, {4});
    BOOST_CHECK_THROW(labels.f32(), std::logic_error);
    tensor names(dtype::string, {2});
    names.strings()[1] = "kernel";
    const tensor copy = names;
    BOOST_TEST(copy.strings()[1] == "kernel");
}

BOOST_AUTO_TEST_CASE(the_generator_is_reproducible)
{
    rng a(42);
    rng b(42);
    rng c(43);
    bool all_equal = true;
    bool any_differs = false;
    for (int i = 0; i < 100; ++i) {
        const auto x = a.next_u64();
        all_equal = all_equal && x == b.next_u64();
        any_differs = any_differs || x != c.next_u64();
    }
    BOOST_TEST(all_equal);
    BOOST_TEST(any_differs);
    // Uniform draws average 0.5: 10000 draws have a deviation of 0.0029.
    double total = 0.0;
    for (int i = 0; i < 10000; ++i) total += a.uniform();
    BOOST_TEST(total / 10000 == 0.5, boost::test_tools::tolerance(0.03));
}

BOOST_AUTO_TEST_CASE(summary_matches_the_tutorial)
{
    auto m = testing::model_of({keras::dense(512, "relu"), keras::dropout(0.2f), keras::dense(10, "softmax")}, {784});
    std::ostringstream out;
    m->summary(out);
    const std::string text = out.str();
    BOOST_TEST(m->parameter_count() == 407050);
    BOOST_TEST(text.find("Model: \"sequential\"") != std::string::npos, text);
    BOOST_TEST(text.find("dense (Dense)                (None, 512)               401920") != std::string::npos, text);
    BOOST_TEST(text.find("dropout (Dropout)            (None, 512)               0") != std::string::npos, text);
    BOOST_TEST(text.find("dense_1 (Dense)              (None, 10)                5130") != std::string::npos, text);
    BOOST_TEST(text.find("Total params: 407,050") != std::string::npos, text);
}
