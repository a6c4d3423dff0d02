// mlrun-benchmark: times one backend on an experiment's job, driven by
// commands on stdin, so that scripts/benchmark.sh can interleave it with
// PyTorch doing the same job (both see the machine in the same state).
//
// The experiment's data are loaded once. Each (batch size, thread count)
// gets its own model, trainer and backend, made on first use and warmed up
// with 20 training steps (first-batch allocations, thread start-up, kernel
// generation), then kept, so later commands time the steady state.
//
// Commands, one per line; each answers one JSON line on stdout:
//   train BATCH THREADS STEPS   train STEPS steps (0: a whole epoch)
//   evaluate BATCH THREADS      evaluate the whole test split
//   gemm THREADS M N K          gemm throughput on an M x K by K x N product
//   quit
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/callback.hpp"
#include "train/session.hpp"
#include "optim/optimizer_yaml.hpp"

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace mlrun;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::int64_t warmup_steps = 20;

double seconds_since(clock_type::time_point start)
{
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Stops training after a number of steps (none: the epoch ends).
class step_limit : public callback {
public:
    explicit step_limit(std::int64_t steps) : steps_(steps) {}
    void on_batch_end(trainer& t, std::int64_t batch, const metric_logs&) override
    {
        if (steps_ > 0 && batch + 1 >= steps_) t.request_stop();
    }

private:
    std::int64_t steps_;
};

// One trained model on one backend instance.
struct job {
    std::unique_ptr<backend> compute;
    std::unique_ptr<model> net;
    std::unique_ptr<trainer> fitter;
};

class benchmark {
public:
    benchmark(const std::string& config, const std::string& backend_name,
              const std::vector<boost::filesystem::path>& plugin_dirs)
        : name_(backend_name)
    {
        session_options options;
        options.config_path = config;
        options.plugin_dirs = plugin_dirs;
        options.overrides = {"backend=" + backend_name, "backend.threads=1", "fit.verbose=0"};
        session_ = std::make_unique<session>(options);
    }

    void train(std::int64_t batch, int threads, std::int64_t steps)
    {
        job& j = job_for(batch, threads);
        const auto start = clock_type::now();
        run_steps(j, batch, steps);
        const double seconds = seconds_since(start);
        const std::int64_t samples = steps == 0 ? session_->train_data().size() : steps * batch;
        std::printf("{\"kind\": \"train\", \"backend\": \"%s\", \"threads\": %d, \"batch\": %lld, \"steps\": %lld, "
                    "\"samples\": %lld, \"seconds\": %.9g}\n",
                    name_.c_str(), threads, static_cast<long long>(batch), static_cast<long long>(steps),
                    static_cast<long long>(samples), seconds);
    }

    void evaluate(std::int64_t batch, int threads)
    {
        job& j = job_for(batch, threads);
        const auto start = clock_type::now();
        const metric_logs logs = j.fitter->evaluate(session_->test_data(), batch);
        const double seconds = seconds_since(start);
        std::printf("{\"kind\": \"evaluate\", \"backend\": \"%s\", \"threads\": %d, \"batch\": %lld, "
                    "\"samples\": %lld, \"seconds\": %.9g, \"accuracy\": %.4f}\n",
                    name_.c_str(), threads, static_cast<long long>(batch),
                    static_cast<long long>(session_->test_data().size()), seconds,
                    logs.get("accuracy").value_or(0.0));
    }

    // Best of enough repetitions for about half a second of work.
    void gemm(int threads, std::int64_t m, std::int64_t n, std::int64_t k)
    {
        backend& be = backend_for(threads);
        std::vector<float> a(static_cast<std::size_t>(m * k), 0.5f);
        std::vector<float> b(static_cast<std::size_t>(k * n), 0.25f);
        std::vector<float> c(static_cast<std::size_t>(m * n));
        const double flop = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
        double best = 0.0;
        for (int r = 0, reps = std::max(5, static_cast<int>(1e11 / flop)); r < reps; ++r) {
            const auto start = clock_type::now();
            be.gemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
            const double seconds = seconds_since(start);
            if (best == 0.0 || seconds < best) best = seconds;
        }
        std::printf("{\"kind\": \"gemm\", \"backend\": \"%s\", \"threads\": %d, \"m\": %lld, \"n\": %lld, "
                    "\"k\": %lld, \"gflops\": %.4g}\n",
                    name_.c_str(), threads, static_cast<long long>(m), static_cast<long long>(n),
                    static_cast<long long>(k), flop / best / 1e9);
    }

private:
    backend& backend_for(int threads)
    {
        std::unique_ptr<backend>& be = backends_[threads];
        if (!be) {
            const plugin_record& plugin = session_->plugins().find(MLRUN_PLUGIN_BACKEND, name_);
            be = std::make_unique<backend>(plugin, std::vector<std::pair<std::string, std::string>>{
                                                       {"threads", std::to_string(threads)}});
        }
        return *be;
    }

    // Built as the session builds its own, on a backend of its own.
    job& job_for(std::int64_t batch, int threads)
    {
        auto found = jobs_.find({batch, threads});
        if (found != jobs_.end()) return found->second;
        const experiment& e = session_->config();
        job j;
        const plugin_record& plugin = session_->plugins().find(MLRUN_PLUGIN_BACKEND, name_);
        j.compute = std::make_unique<backend>(plugin, std::vector<std::pair<std::string, std::string>>{
                                                          {"threads", std::to_string(threads)}});
        j.net = build_model(e.model, e.file, session_->test_data().x.dims().without_batch());
        rng init(derive_seed(e.seed, 0));
        j.net->build(init);
        const loss_kind loss = e.loss.kind;
        std::vector<metric> metrics;
        for (const metric_spec& spec : e.metrics) metrics.emplace_back(spec, loss, j.net->output_shape().element_count());
        j.fitter = std::make_unique<trainer>(*j.net, *j.compute, loss_function(e.loss),
                                             make_optimizer(e.optimizer), std::move(metrics));
        job& kept = jobs_.emplace(std::make_pair(batch, threads), std::move(j)).first->second;
        run_steps(kept, batch, warmup_steps);
        return kept;
    }

    void run_steps(job& j, std::int64_t batch, std::int64_t steps)
    {
        fit_options options;
        options.epochs = 1;
        options.batch_size = batch;
        options.seed = session_->config().seed + static_cast<std::uint64_t>(++fits_);
        step_limit limit(steps);
        j.fitter->fit(session_->train_data(), options, {&limit});
    }

    std::string name_;
    std::unique_ptr<session> session_;
    std::map<std::pair<std::int64_t, int>, job> jobs_;
    std::map<int, std::unique_ptr<backend>> backends_;
    int fits_ = 0;
};

void serve(benchmark& bench)
{
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        std::int64_t batch = 0, steps = 0, m = 0, n = 0, k = 0;
        int threads = 0;
        if (command == "train" && in >> batch >> threads >> steps && batch > 0 && threads > 0 && steps >= 0) {
            bench.train(batch, threads, steps);
        } else if (command == "evaluate" && in >> batch >> threads && batch > 0 && threads > 0) {
            bench.evaluate(batch, threads);
        } else if (command == "gemm" && in >> threads >> m >> n >> k && threads > 0 && m > 0 && n > 0 && k > 0) {
            bench.gemm(threads, m, n, k);
        } else if (command == "quit") {
            return;
        } else if (!command.empty()) {
            throw usage_error("unknown or malformed command '" + line +
                              "'; expected train BATCH THREADS STEPS, evaluate BATCH THREADS, "
                              "gemm THREADS M N K or quit");
        }
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        std::string config, backend_name;
        std::vector<std::string> plugin_dirs;
        po::options_description options("usage: mlrun-benchmark --backend NAME [--config FILE] < commands\n\noptions");
        options.add_options()("help,h", "show this help")(
            "config", po::value(&config)->default_value("configs/fashion_mnist.yaml"), "experiment whose job is timed")(
            "backend", po::value(&backend_name)->required(), "backend plugin to time")(
            "plugin-dir", po::value(&plugin_dirs)->composing(), "search this directory for plugins first");
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        if (vm.count("help")) {
            std::cout << options;
            return 0;
        }
        po::notify(vm);
        std::vector<boost::filesystem::path> dirs(plugin_dirs.begin(), plugin_dirs.end());
        benchmark bench(config, backend_name, dirs);
        std::printf("{\"kind\": \"ready\", \"backend\": \"%s\"}\n", backend_name.c_str());
        std::fflush(stdout);
        serve(bench);
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
