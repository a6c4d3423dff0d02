// Fuzzes the Keras 3 .keras reader: every input is named model.keras, so
// all of it reaches the zip reader (its member sizes and caps, then
// config.json, metadata.json and model.weights.h5), loaded through
// format::load and the hdf5 plugin's table as `mlrun` loads a model.
#include "expected_errors.hpp"
#include "linked_format.hpp"
#include "scratch_dir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    const std::string path = scratch().write("model.keras", data, size);
    expect_clear_errors([&] { linked_format().load(path, {{"read_timeout", "3"}}); });
    return 0;
}
