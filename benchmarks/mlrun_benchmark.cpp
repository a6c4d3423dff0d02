// mlrun-benchmark: times one backend on an experiment, for the benchmark
// script (scripts/benchmark.sh) to compare with PyTorch on the same job.
//
// For each batch size it first times a short stretch of training at every
// thread count (after a warm-up), keeps the fastest count, then times whole
// epochs and the evaluation of the test split with it. It also measures
// the backend's gemm throughput on large products, from which the script
// takes the machine's GEMM peak. Results are JSON lines on stdout.
#include "mlrun/core/error.hpp"
#include "mlrun/train/callback.hpp"
#include "mlrun/train/session.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace mlrun;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Times steps [warmup, warmup + steps) of the first epoch, then stops.
class step_timer : public callback {
public:
    step_timer(std::int64_t warmup, std::int64_t steps) : warmup_(warmup), steps_(steps) {}
    void on_batch_begin(trainer&, std::int64_t batch) override
    {
        if (batch == warmup_) start_ = clock_type::now();
    }
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs&) override
    {
        if (batch == warmup_ + steps_ - 1) {
            seconds_ = seconds_since(start_);
            t.request_stop();
        }
    }
    double seconds() const { return seconds_; }

private:
    std::int64_t warmup_, steps_;
    clock_type::time_point start_;
    double seconds_ = 0.0;
};

// Times every epoch.
class epoch_timer : public callback {
public:
    void on_epoch_begin(trainer&, int) override { start_ = clock_type::now(); }
    void on_epoch_end(trainer&, int, const metric_logs&) override { seconds_.push_back(seconds_since(start_)); }
    const std::vector<double>& seconds() const { return seconds_; }

private:
    clock_type::time_point start_;
    std::vector<double> seconds_;
};

struct settings {
    std::string config;
    std::string backend;
    std::vector<int> threads;
    std::vector<std::int64_t> batches;
    std::int64_t probe_steps = 0;
    int epochs = 0;
    std::vector<boost::filesystem::path> plugin_dirs;
};

std::unique_ptr<session> open_session(const settings& s, int threads, std::int64_t batch, int epochs)
{
    session_options options;
    options.config_path = s.config;
    options.plugin_dirs = s.plugin_dirs;
    options.overrides = {"backend=" + s.backend, "backend.threads=" + std::to_string(threads),
                         "fit.batch_size=" + std::to_string(batch), "fit.epochs=" + std::to_string(epochs),
                         "fit.validation=none", "fit.verbose=0"};
    return std::make_unique<session>(options);
}

std::string json_list(const std::vector<double>& values)
{
    std::ostringstream out;
    out << "[";
    for (std::size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
    return out.str() + "]";
}

void time_training(const settings& s, std::int64_t batch)
{
    // Probe each thread count on the same stretch of the first epoch.
    const std::int64_t warmup = 20;
    int best_threads = s.threads.front();
    double best_step = 0.0;
    for (int threads : s.threads) {
        auto run = open_session(s, threads, batch, 1);
        step_timer timer(warmup, s.probe_steps);
        run->fit(std::cout, {&timer});
        const double per_step = timer.seconds() / static_cast<double>(s.probe_steps);
        std::printf("{\"kind\": \"probe\", \"backend\": \"%s\", \"threads\": %d, \"batch\": %lld, \"steps\": %lld, "
                    "\"seconds_per_step\": %.9g}\n",
                    s.backend.c_str(), threads, static_cast<long long>(batch),
                    static_cast<long long>(s.probe_steps), per_step);
        std::fflush(stdout);
        if (best_step == 0.0 || per_step < best_step) {
            best_step = per_step;
            best_threads = threads;
        }
    }

    auto run = open_session(s, best_threads, batch, s.epochs);
    epoch_timer epochs;
    run->fit(std::cout, {&epochs});
    const std::int64_t samples = run->train_data().size();
    std::vector<double> evaluations;
    double accuracy = 0.0;
    for (int r = 0; r < s.epochs; ++r) {
        const auto start = clock_type::now();
        const metric_logs logs = run->fitter().evaluate(run->test_data(), batch);
        evaluations.push_back(seconds_since(start));
        accuracy = logs.get("accuracy").value_or(0.0);
    }
    std::printf("{\"kind\": \"train\", \"backend\": \"%s\", \"threads\": %d, \"batch\": %lld, \"samples\": %lld, "
                "\"epoch_seconds\": %s, \"test_samples\": %lld, \"evaluate_seconds\": %s, \"test_accuracy\": %.4f}\n",
                s.backend.c_str(), best_threads, static_cast<long long>(batch), static_cast<long long>(samples),
                json_list(epochs.seconds()).c_str(), static_cast<long long>(run->test_data().size()),
                json_list(evaluations).c_str(), accuracy);
    std::fflush(stdout);
}

// Large products, where a gemm runs at its best: the peak of this machine.
void time_gemm(const settings& s)
{
    struct product {
        std::int64_t m, n, k;
    };
    const product products[] = {{1024, 1024, 1024}, {2048, 2048, 2048}, {256, 512, 784}};
    for (int threads : s.threads) {
        auto run = open_session(s, threads, 32, 1);
        backend& be = run->compute();
        for (const product& p : products) {
            std::vector<float> a(static_cast<std::size_t>(p.m * p.k), 0.5f), b(static_cast<std::size_t>(p.k * p.n), 0.25f),
                c(static_cast<std::size_t>(p.m * p.n));
            const double flop = 2.0 * static_cast<double>(p.m) * static_cast<double>(p.n) * static_cast<double>(p.k);
            double best = 0.0;
            // Enough repetitions for about half a second, best one kept.
            for (int r = 0, reps = std::max(3, static_cast<int>(1e11 / flop)); r < reps; ++r) {
                const auto start = clock_type::now();
                be.gemm(false, false, p.m, p.n, p.k, 1.0f, a.data(), p.k, b.data(), p.n, 0.0f, c.data(), p.n);
                const double seconds = seconds_since(start);
                if (best == 0.0 || seconds < best) best = seconds;
            }
            std::printf("{\"kind\": \"gemm\", \"backend\": \"%s\", \"threads\": %d, \"m\": %lld, \"n\": %lld, "
                        "\"k\": %lld, \"gflops\": %.4g}\n",
                        s.backend.c_str(), threads, static_cast<long long>(p.m), static_cast<long long>(p.n),
                        static_cast<long long>(p.k), flop / best / 1e9);
            std::fflush(stdout);
        }
    }
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        settings s;
        std::vector<std::string> plugin_dirs;
        po::options_description options("mlrun-benchmark options");
        options.add_options()("help,h", "show this help")(
            "config", po::value(&s.config)->default_value("configs/fashion_mnist.yaml"), "experiment to time")(
            "backend", po::value(&s.backend)->required(), "backend plugin to time")(
            "threads", po::value(&s.threads)->multitoken()->default_value({1, 2}, "1 2"), "thread counts to try")(
            "batch", po::value(&s.batches)->multitoken()->default_value({32, 256}, "32 256"), "batch sizes")(
            "probe-steps", po::value(&s.probe_steps)->default_value(200), "steps timed per thread count")(
            "epochs", po::value(&s.epochs)->default_value(3), "whole epochs (and evaluations) timed")(
            "gemm", po::bool_switch(), "also measure gemm throughput on large products")(
            "plugin-dir", po::value(&plugin_dirs)->composing(), "search this directory for plugins first");
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        if (vm.count("help")) {
            std::cout << options;
            return 0;
        }
        po::notify(vm);
        for (const std::string& d : plugin_dirs) s.plugin_dirs.emplace_back(d);
        if (s.threads.empty() || s.batches.empty() || s.probe_steps < 1 || s.epochs < 1) {
            throw usage_error("--threads and --batch need values; --probe-steps and --epochs must be at least 1");
        }
        for (std::int64_t batch : s.batches) time_training(s, batch);
        if (vm["gemm"].as<bool>()) time_gemm(s);
        return 0;
    } catch (const po::error& e) {
        std::cerr << "mlrun-benchmark: " << e.what() << "\n";
        return static_cast<int>(exit_code::usage);
    } catch (const error& e) {
        std::cerr << "mlrun-benchmark: error: " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::cerr << "mlrun-benchmark: error: " << e.what() << "\n";
        return 1;
    }
}
