// Fuzzes the .npy reader: the input is one .npy file, written to x.npy and
// read by read_array as `mlrun predict` reads its input.
#include "expected_errors.hpp"
#include "scratch_dir.hpp"

#include "mlrun/data/array_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    const std::string path = scratch().write("x.npy", data, size);
    expect_clear_errors([&] { mlrun::read_array(path); });
    return 0;
}
