// Fuzzes the IDX reader and the data set built from it: the input is an
// images file and a labels file (a little-endian u32 length, the images
// bytes, then the labels bytes), raw or gzip, read by load_idx_dataset as
// `mlrun` reads data.path.
#include "expected_errors.hpp"
#include "scratch_dir.hpp"

#include "mlrun/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    two_parts parts{};
    if (!split_two(data, size, parts)) return 0;
    scratch().write("images-idx", parts.first, parts.first_size);
    scratch().write("labels-idx", parts.second, parts.second_size);
    mlrun::data_options options;
    options.kind = "idx";
    options.path = scratch().path("");
    expect_clear_errors([&] { mlrun::load_idx_dataset(options, "images-idx", "labels-idx", 0, "fuzz"); });
    return 0;
}
