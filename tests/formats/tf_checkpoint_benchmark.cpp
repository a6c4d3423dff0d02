// Saving and restoring a large checkpoint against plain file I/O of the
// same bytes.
//
//   tf_checkpoint_benchmark [PARAMETERS] [DIRECTORY]
//
// Builds a Dense model with PARAMETERS weights (default 100,000,000: a
// 10000x10000 kernel), then times, best of five interleaved rounds:
//   save      format.save() of the captured checkpoint (tensor bytes, crc32c,
//             index, fsync of both files, renames)
//   write     write() of the same bytes to one file, then fsync
//   load      format.load() into fresh tensors (read, crc32c check)
//   read      read() of that file into a freshly allocated buffer
// and prints the ratios save/write and load/read as speeds (1.0 = as fast
// as plain I/O). Both sides touch fresh memory the same way, so the
// machine's page-fault cost is in both.
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/rng.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace mlrun;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

template <class Body> void keep_best(double& best, Body&& body)
{
    const auto start = clock_type::now();
    body();
    best = std::min(best, seconds_since(start));
}

constexpr int rounds = 5;

void check(bool ok, const std::string& what)
{
    if (!ok) throw std::runtime_error(what);
}

void plain_write(const std::string& path, const checkpoint& c)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    check(fd >= 0, "cannot create " + path);
    for (const auto& [name, t] : c.tensors) {
        const auto* p = reinterpret_cast<const char*>(t.bytes());
        std::size_t left = t.byte_size();
        while (left > 0) {
            const ssize_t n = ::write(fd, p, left);
            check(n > 0, "write failed");
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    check(::fsync(fd) == 0, "fsync failed");
    ::close(fd);
}

std::size_t plain_read(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    check(fd >= 0, "cannot open " + path);
    const auto size = static_cast<std::size_t>(::lseek(fd, 0, SEEK_END));
    std::unique_ptr<char[]> buffer(new char[size]);  // fresh memory, as load() allocates tensors
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::pread(fd, buffer.get() + done, size - done, static_cast<off_t>(done));
        check(n > 0, "read failed");
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return size;
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        const long long parameters = argc > 1 ? std::atoll(argv[1]) : 100000000LL;
        const fs::path directory = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "mlrun-checkpoint-benchmark";
        const auto side = static_cast<long long>(std::sqrt(static_cast<double>(parameters)));
        check(side >= 1, "PARAMETERS must be at least 1");
        fs::create_directories(directory);

        const std::string layers = "[{Dense: {units: " + std::to_string(side) + ", input_shape: [" + std::to_string(side) + "]}}]";
        auto net = build_model(YAML::Load(layers), "<benchmark>", std::nullopt);
        rng init(1);
        net->build(init);
        const checkpoint saved = capture_state(*net, nullptr);
        std::uint64_t bytes = 0;
        for (const auto& [name, t] : saved.tensors) bytes += t.byte_size();

        const plugin_registry plugins({plugin_registry::bundled_directory()});
        const format tf(plugins.find(MLRUN_PLUGIN_FORMAT, "tf_checkpoint"));
        const std::string prefix = (directory / "model.ckpt").string();
        const std::string plain = (directory / "plain.bin").string();

        // The four are interleaved, round after round, so that a machine
        // shared with other work slows all of them alike.
        double save = 1e300, write = 1e300, load = 1e300, read = 1e300;
        std::uint64_t loaded_bytes = 0;
        std::size_t read_bytes = 0;
        for (int round = 0; round < rounds; ++round) {
            keep_best(save, [&] { tf.save(prefix, saved); });
            keep_best(write, [&] { plain_write(plain, saved); });
            keep_best(load, [&] {
                const checkpoint loaded = tf.load(prefix);
                loaded_bytes = 0;
                for (const auto& [name, t] : loaded.tensors) loaded_bytes += t.byte_size();
            });
            keep_best(read, [&] { read_bytes = plain_read(plain); });
        }
        check(loaded_bytes == bytes && read_bytes == bytes, "byte counts differ");

        const double mb = static_cast<double>(bytes) / 1e6;
        std::printf("checkpoint of %lld parameters (%.1f MB), best of %d rounds, in %s\n", static_cast<long long>(side * side + side), mb,
                    rounds, directory.string().c_str());
        std::printf("  save  %7.3f s  %8.1f MB/s   |  write+fsync  %7.3f s  %8.1f MB/s   ratio %.2f\n", save, mb / save, write,
                    mb / write, write / save);
        std::printf("  load  %7.3f s  %8.1f MB/s   |  read         %7.3f s  %8.1f MB/s   ratio %.2f\n", load, mb / load, read,
                    mb / read, read / load);
        std::printf("ratio = plain time / checkpoint time (1.0: as fast as plain I/O; the goal is at least 0.5)\n");
        for (const std::string& f : {prefix + ".index", prefix + ".data-00000-of-00001", plain}) fs::remove(f);
        return write / save >= 0.5 && read / load >= 0.5 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tf_checkpoint_benchmark: %s\n", e.what());
        return 2;
    }
}
