// mlrun-conv-benchmark: the convolution throughput of each backend on the
// Fashion-MNIST CNN's convolutions, next to the machine's gemm peak
// measured in the same run (docs/benchmarks.md).
//
// For every backend, thread count, shape and batch it times the three
// convolution kernels (forward, backward data, backward weights), each
// 2 * batch * out_h * out_w * C_out * KH * KW * C_in / groups FLOP, and
// prints GFLOP/s: the best of 5 rounds, each round as many calls as fit in
// 0.1 s (at least one) after 2 warm-up calls. The gemm peak is the best
// any backend's gemm reaches on 1024^3 and 2048 x 2048 x 1024 products.
//
//   mlrun-conv-benchmark [--threads 1,2] [--backends reference,openblas,onednn]
#include "mlrun/backend/backend.hpp"
#include "mlrun/backend/window_geometry.hpp"
#include "mlrun/plugin/plugin_registry.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace mlrun;
using clock_type = std::chrono::steady_clock;

namespace {

std::string cpu_name()
{
    std::ifstream info("/proc/cpuinfo");
    std::string line;
    while (std::getline(info, line)) {
        if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    }
    return "unknown CPU";
}

std::vector<std::string> split(const std::string& text)
{
    std::vector<std::string> parts;
    std::stringstream in(text);
    for (std::string part; std::getline(in, part, ',');) parts.push_back(part);
    return parts;
}

// Calls per second of `body`, best of 5 rounds of at least 0.1 s each.
double calls_per_second(const std::function<void()>& body)
{
    body();
    body();
    double best = 0.0;
    for (int round = 0; round < 5; ++round) {
        const auto start = clock_type::now();
        int calls = 0;
        double elapsed = 0.0;
        do {
            body();
            ++calls;
            elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
        } while (elapsed < 0.1);
        best = std::max(best, calls / elapsed);
    }
    return best;
}

std::vector<float> random_floats(std::size_t n)
{
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(gen);
    return v;
}

struct conv_shape {
    const char* name;
    std::int64_t height, width, in_channels, out_channels, kernel;
};

// The CNN's two convolutions ("valid", stride 1).
const conv_shape cnn_shapes[] = {{"28x28x1->32 3x3", 28, 28, 1, 32, 3}, {"13x13x32->64 3x3", 13, 13, 32, 64, 3}};
const std::int64_t batches[] = {32, 128};

mlrun_conv2d_shape shape_of(const conv_shape& c, std::int64_t batch)
{
    mlrun_conv2d_shape s{};
    s.batch = batch;
    s.in_height = c.height;
    s.in_width = c.width;
    s.in_channels = c.in_channels;
    s.out_channels = c.out_channels;
    s.kernel_height = s.kernel_width = c.kernel;
    s.stride_height = s.stride_width = s.dilation_height = s.dilation_width = s.groups = 1;
    s.out_height = window_geometry::output_length(c.height, c.kernel, 1, 1, {});
    s.out_width = window_geometry::output_length(c.width, c.kernel, 1, 1, {});
    return s;
}

double gemm_gflops(backend& be, std::int64_t m, std::int64_t n, std::int64_t k)
{
    const std::vector<float> a = random_floats(static_cast<std::size_t>(m * k)), b = random_floats(static_cast<std::size_t>(k * n));
    std::vector<float> c(static_cast<std::size_t>(m * n));
    const double rate = calls_per_second(
        [&] { be.gemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n); });
    return rate * 2.0 * static_cast<double>(m * n * k) / 1e9;
}

}  // namespace

int main(int argc, char** argv)
{
    std::string threads_text = "1,2", backends_text = "reference,openblas,onednn";
    po::options_description options("mlrun-conv-benchmark options");
    options.add_options()("help", "this text")("threads", po::value(&threads_text), "thread counts, e.g. 1,2")(
        "backends", po::value(&backends_text), "backends, e.g. openblas,onednn");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc, argv, options), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "mlrun-conv-benchmark: " << e.what() << "\n" << options;
        return 2;
    }
    if (vm.count("help") != 0) {
        std::cout << options;
        return 0;
    }
    try {
        const plugin_registry plugins({plugin_registry::bundled_directory()});
        std::printf("CPU: %s\n", cpu_name().c_str());
        struct row {
            std::string backend;
            std::string threads, shape, batch;
            double gflops[3];
        };
        std::vector<row> rows;
        double gemm_peak = 0.0;
        std::string gemm_peak_where;
        for (const std::string& name : split(backends_text)) {
            for (const std::string& threads : split(threads_text)) {
                if (name == "reference" && threads != split(threads_text).front()) continue;  // single threaded
                backend be(plugins.find(MLRUN_PLUGIN_BACKEND, name), {{"threads", threads}});
                if (name != "reference") {
                    for (const auto& [m, n, k] : {std::array<std::int64_t, 3>{1024, 1024, 1024},
                                                  std::array<std::int64_t, 3>{2048, 2048, 1024}}) {
                        const double g = gemm_gflops(be, m, n, k);
                        if (g > gemm_peak) {
                            gemm_peak = g;
                            gemm_peak_where = name + ", " + threads + " thread(s), " + std::to_string(m) + "x" +
                                              std::to_string(n) + "x" + std::to_string(k);
                        }
                    }
                }
                for (const conv_shape& c : cnn_shapes) {
                    for (const std::int64_t batch : batches) {
                        const mlrun_conv2d_shape s = shape_of(c, batch);
                        const std::vector<float> x = random_floats(static_cast<std::size_t>(batch * c.height * c.width * c.in_channels));
                        const std::vector<float> w = random_floats(static_cast<std::size_t>(c.kernel * c.kernel * c.in_channels * c.out_channels));
                        const std::vector<float> dy = random_floats(static_cast<std::size_t>(batch * s.out_height * s.out_width * c.out_channels));
                        std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
                        const double flop = 2.0 * static_cast<double>(batch * s.out_height * s.out_width * c.out_channels *
                                                                      c.kernel * c.kernel * c.in_channels);
                        row r{name, threads, c.name, std::to_string(batch), {}};
                        r.gflops[0] = flop / 1e9 * calls_per_second([&] { be.conv2d_forward(s, x.data(), w.data(), y.data()); });
                        r.gflops[1] = flop / 1e9 * calls_per_second([&] { be.conv2d_backward_data(s, w.data(), dy.data(), dx.data()); });
                        r.gflops[2] = flop / 1e9 * calls_per_second([&] { be.conv2d_backward_weights(s, x.data(), dy.data(), dw.data()); });
                        rows.push_back(r);
                    }
                }
            }
        }
        std::printf("gemm peak: %.1f GFLOP/s (%s)\n\n", gemm_peak, gemm_peak_where.c_str());
        std::printf("| backend | threads | convolution | batch | forward GFLOP/s | backward data | backward weights | "
                    "forward / gemm peak |\n|---|---|---|---|---|---|---|---|\n");
        for (const row& r : rows) {
            std::printf("| %s | %s | %s | %s | %.1f | %.1f | %.1f | %.0f%% |\n", r.backend.c_str(), r.threads.c_str(),
                        r.shape.c_str(), r.batch.c_str(), r.gflops[0], r.gflops[1], r.gflops[2],
                        gemm_peak > 0.0 ? 100.0 * r.gflops[0] / gemm_peak : 0.0);
        }
    } catch (const std::exception& e) {
        std::cerr << "mlrun-conv-benchmark: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
