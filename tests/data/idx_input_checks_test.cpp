// What the IDX reader refuses before reading: paths that are not regular
// files, and data that is not finite.
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/data/dataset.hpp"
#include "mlrun/data/idx.hpp"
#include "support/temp_files.hpp"

#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

bool error_names(const std::string& fragment, const mlrun::data_error& e)
{
    BOOST_TEST_MESSAGE(e.what());
    return std::string(e.what()).find(fragment) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_input_checks)

// Opening a FIFO blocks until something writes to it; it is refused instead.
BOOST_AUTO_TEST_CASE(a_fifo_is_refused_without_blocking)
{
    mlrun::testing::temp_directory dir;
    const std::string fifo = (dir.path / "images").string();
    BOOST_REQUIRE_EQUAL(mkfifo(fifo.c_str(), 0600), 0);
    BOOST_CHECK_EXCEPTION(mlrun::read_idx(fifo), mlrun::data_error,
                          [](const mlrun::data_error& e) { return error_names("images: is a FIFO, not a regular file", e); });
}

// f32 images holding NaN trained to NaN weights; the loader names the sample.
BOOST_AUTO_TEST_CASE(non_finite_images_are_refused_with_the_sample)
{
    mlrun::testing::temp_directory dir;
    mlrun::idx_array images{mlrun::idx_type::f32, {3, 2}, {}};
    const float values[] = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f, -__builtin_inff()};
    images.data.resize(sizeof values);
    std::memcpy(images.data.data(), values, sizeof values);
    mlrun::write_idx((dir.path / "images").string(), images);
    mlrun::idx_array labels{mlrun::idx_type::u8, {3}, std::vector<std::byte>(3, std::byte{1})};
    mlrun::write_idx((dir.path / "labels").string(), labels);
    mlrun::data_options options;
    options.kind = "idx";
    options.path = dir.path.string();
    options.scale = 1.0f;
    BOOST_CHECK_EXCEPTION(mlrun::load_idx_dataset(options, "images", "labels", 0, "train"), mlrun::data_error,
                          [](const mlrun::data_error& e) { return error_names("images: sample 2 holds -inf", e); });
    // The first two samples alone are fine.
    BOOST_CHECK_NO_THROW(mlrun::load_idx_dataset(options, "images", "labels", 2, "train"));
}

BOOST_AUTO_TEST_SUITE_END()
