// What the HDF5 checksum block costs on a large file.
//
//   hdf5_checksum_benchmark [PARAMETERS] [DIRECTORY]
//
// Writes a weights-only Keras file of PARAMETERS float32 weights (default
// 100,000,000: a 10000x10000 kernel) with the plugin's writer, then times,
// best of three rounds:
//   save       write_keras_file(): libhdf5 writes, the checksum block is
//              filled in (a CRC32C pass over the file), fsync, rename
//   seal       that CRC32C pass and block write alone, on the same file
//   load       read_keras_file() of the sealed file: checksum check, read
//   check      the checksum check alone
//   foreign    read_keras_file() of the same file without its block (as a
//              Keras file is read): a child process reads it first
// Save and load without the checksum are save - seal and load - check.
#include "file_seal.hpp"
#include "h5_io.hpp"
#include "keras_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

namespace kh = mlrun::keras_h5;

namespace {

double seconds_of(const std::function<void()>& work)
{
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv)
{
    const long long parameters = argc > 1 ? std::atoll(argv[1]) : 100000000LL;
    const std::string dir = argc > 2 ? argv[2] : ".";
    const std::string path = dir + "/hdf5_checksum_benchmark.h5";
    const std::string foreign = dir + "/hdf5_checksum_benchmark_foreign.h5";
    kh::staged_checkpoint ckpt;
    kh::staged_tensor kernel;
    kernel.name = "dense/kernel";
    kernel.dims = {parameters / 10000, 10000};
    kernel.bytes.resize(static_cast<std::size_t>(kernel.element_count()) * 4);
    for (std::size_t i = 0; i < kernel.bytes.size(); ++i) kernel.bytes[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
    ckpt.tensors.push_back(std::move(kernel));
    kh::h5_quiet quiet;
    double save = 1e9, seal = 1e9, load = 1e9, check = 1e9, read_foreign = 1e9;
    for (int round = 0; round < 3; ++round) {
        save = std::min(save, seconds_of([&] { kh::write_keras_file(path, ckpt, true); }));
        seal = std::min(seal, seconds_of([&] {
            const int fd = ::open(path.c_str(), O_RDWR);
            kh::seal_file(fd, path);
            ::close(fd);
        }));
        load = std::min(load, seconds_of([&] { kh::read_keras_file(path); }));
        check = std::min(check, seconds_of([&] { kh::check_seal(path); }));
    }
    {
        const int in = ::open(path.c_str(), O_RDONLY);
        const int out = ::open(foreign.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::string buffer(1 << 22, '\0');
        for (ssize_t n; (n = ::read(in, buffer.data(), buffer.size())) > 0;) {
            if (::write(out, buffer.data(), static_cast<std::size_t>(n)) != n) return 1;
        }
        const std::string zeros(kh::seal_block_size, '\0');
        if (::pwrite(out, zeros.data(), zeros.size(), 0) != static_cast<ssize_t>(zeros.size())) return 1;
        ::close(in);
        ::close(out);
    }
    for (int round = 0; round < 3; ++round) {
        read_foreign = std::min(read_foreign, seconds_of([&] { kh::read_keras_file(foreign); }));
    }
    std::printf("%lld float32 parameters (%.0f MB file)\n", parameters, static_cast<double>(parameters) * 4 / 1e6);
    std::printf("save      %.3f s   of which the checksum %.3f s (%.1f%%); without it %.3f s\n", save, seal,
                100 * seal / save, save - seal);
    std::printf("load      %.3f s   of which the check    %.3f s (%.1f%%); without it %.3f s\n", load, check,
                100 * check / load, load - check);
    std::printf("foreign   %.3f s   (no block: read in a child process first, then in process)\n", read_foreign);
    std::remove(path.c_str());
    std::remove(foreign.c_str());
    return 0;
}
