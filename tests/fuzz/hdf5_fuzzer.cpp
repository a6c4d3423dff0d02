// Fuzzes the Keras HDF5 reader: the input is one file, loaded whole
// through format::load and the hdf5 plugin's table (read_keras_file), as
// `mlrun` loads a model. Inputs starting with a zip's "PK" are named
// model.keras (the Keras 3 archive reader), all others model.h5.
#include "expected_errors.hpp"
#include "linked_format.hpp"
#include "scratch_dir.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mlrun::fuzz;
    const bool zip = size >= 2 && data[0] == 'P' && data[1] == 'K';
    const std::string path = scratch().write(zip ? "model.keras" : "model.h5", data, size);
    // Files libhdf5 loops on end in the isolated read's time limit: short
    // here, below the run's per-input timeout.
    expect_clear_errors([&] { linked_format().load(path, {{"read_timeout", "3"}}); });
    return 0;
}
