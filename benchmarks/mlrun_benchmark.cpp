// mlrun-benchmark: times one backend on an experiment's job, driven by
// commands on stdin, so that scripts/benchmark.sh can interleave it with
// PyTorch doing the same job (both see the machine in the same state).
//
// The experiment's data are loaded once; --policy overrides the model's
// dtype policy (model.dtype_policy), so every model is built with it. Each
// (batch size, thread count) gets its own model, trainer and backend, made
// on first use and warmed up with 20 training steps (first-batch
// allocations, thread start-up, kernel generation), then kept, so later
// commands time the steady state.
//
// Commands, one per line; each answers one JSON line on stdout:
//   train BATCH THREADS STEPS   train STEPS steps (0: a whole epoch)
//   evaluate BATCH THREADS      evaluate the whole test split
//   gemm THREADS M N K [PRECISION]
//                               gemm throughput on an M x K by K x N product,
//                               PRECISION fp32 (the default: gemm) or bf16
//                               (gemm_bf16: native or emulated)
//   product THREADS LAYOUT M N K
//                               seconds of the fastest call (of half a
//                               second of calls) of one float32 product as
//                               the trainer makes it, LAYOUT NN, TN (A
//                               transposed) or NT (B transposed)
//   adam THREADS N              the same for Adam's update (Keras's
//                               defaults) of N weights
//   conv THREADS BATCH          throughput of the three convolution kernels
//                               (forward, backward data, backward weights)
//                               on every Conv2D layer of the model, one
//                               answer line per layer and kernel
//   quit
#include "mlrun/backend/window_geometry.hpp"
#include "mlrun/core/error.hpp"
#include "mlrun/core/rng.hpp"
#include "mlrun/layers/dtype_policy.hpp"
#include "model/model_yaml.hpp"
#include "mlrun/optim/optimizer.hpp"
#include "mlrun/train/callback.hpp"
#include "train/session.hpp"
#include "optim/optimizer_yaml.hpp"

#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
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

// Seconds of one call of `body`: the best of 5 rounds of at least 0.1 s
// each, after 2 warm-up calls (primitive creation, first-touch pages).
double best_call_seconds(const std::function<void()>& body)
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
            elapsed = seconds_since(start);
        } while (elapsed < 0.1);
        const double per_call = elapsed / calls;
        if (best == 0.0 || per_call < best) best = per_call;
    }
    return best;
}

// The fastest single call of `body` in half a second of calls (at least
// 5), after 2 warm-up calls: the lowest time the machine gives the kernel,
// as a floor should take it.
double fastest_call_seconds(const std::function<void()>& body)
{
    body();
    body();
    double best = 0.0;
    const auto start = clock_type::now();
    for (int calls = 0; calls < 5 || seconds_since(start) < 0.5; ++calls) {
        const auto call_start = clock_type::now();
        body();
        const double seconds = seconds_since(call_start);
        if (best == 0.0 || seconds < best) best = seconds;
    }
    return best;
}

// The kernels' view of a Conv2D layer of a built model: sizes from the
// node's input and output shapes, strides and dilation from its settings,
// padding as whatever makes the output size (TensorFlow's split).
mlrun_conv2d_shape conv_shape_of(const model::node& n, const shape& in, std::int64_t batch)
{
    const layer_spec spec = n.op->config();
    const auto& o = std::get<conv2d_options>(spec.options);
    const shape& out = n.output_shape;
    mlrun_conv2d_shape s{};
    s.batch = batch;
    s.in_height = in[0];
    s.in_width = in[1];
    s.in_channels = in[2];
    s.out_height = out[0];
    s.out_width = out[1];
    s.out_channels = out[2];
    s.kernel_height = o.kernel_size[0];
    s.kernel_width = o.kernel_size[1];
    s.stride_height = o.strides[0];
    s.stride_width = o.strides[1];
    s.dilation_height = o.dilation_rate[0];
    s.dilation_width = o.dilation_rate[1];
    s.groups = o.groups;
    const auto pad = [](std::int64_t in_len, std::int64_t out_len, std::int64_t k, std::int64_t stride,
                        std::int64_t dilation) {
        const std::int64_t needed = (out_len - 1) * stride + window_geometry::extent(k, dilation) - in_len;
        const std::int64_t total = needed > 0 ? needed : 0;
        return window_geometry::padding{total / 2, total - total / 2};
    };
    const window_geometry::padding rows = pad(s.in_height, s.out_height, s.kernel_height, s.stride_height,
                                              s.dilation_height);
    const window_geometry::padding cols = pad(s.in_width, s.out_width, s.kernel_width, s.stride_width,
                                              s.dilation_width);
    s.pad_top = rows.before;
    s.pad_bottom = rows.after;
    s.pad_left = cols.before;
    s.pad_right = cols.after;
    return s;
}

std::vector<float> filled(std::int64_t n, float value) { return std::vector<float>(static_cast<std::size_t>(n), value); }

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
    benchmark(const std::string& config, const std::string& backend_name, const std::string& policy,
              const std::vector<boost::filesystem::path>& plugin_dirs)
        : name_(backend_name)
    {
        session_options options;
        options.config_path = config;
        options.plugin_dirs = plugin_dirs;
        options.overrides = {"backend=" + backend_name, "backend.threads=1", "fit.verbose=0"};
        if (!policy.empty()) options.overrides.push_back("model.dtype_policy=" + policy);
        session_ = std::make_unique<session>(options);
        policy_ = dtype_policy_name(session_->config().policy);
    }

    const std::string& policy() const { return policy_; }

    void train(std::int64_t batch, int threads, std::int64_t steps)
    {
        job& j = job_for(batch, threads);
        const auto start = clock_type::now();
        run_steps(j, batch, steps);
        const double seconds = seconds_since(start);
        const std::int64_t samples = steps == 0 ? session_->train_data().size() : steps * batch;
        std::printf("{\"kind\": \"train\", \"backend\": \"%s\", \"policy\": \"%s\", \"threads\": %d, \"batch\": %lld, "
                    "\"steps\": %lld, \"samples\": %lld, \"seconds\": %.9g}\n",
                    name_.c_str(), policy_.c_str(), threads, static_cast<long long>(batch),
                    static_cast<long long>(steps), static_cast<long long>(samples), seconds);
    }

    void evaluate(std::int64_t batch, int threads)
    {
        job& j = job_for(batch, threads);
        const auto start = clock_type::now();
        const metric_logs logs = j.fitter->evaluate(session_->test_data(), batch);
        const double seconds = seconds_since(start);
        std::printf("{\"kind\": \"evaluate\", \"backend\": \"%s\", \"policy\": \"%s\", \"threads\": %d, "
                    "\"batch\": %lld, \"samples\": %lld, \"seconds\": %.9g, \"accuracy\": %.4f}\n",
                    name_.c_str(), policy_.c_str(), threads, static_cast<long long>(batch),
                    static_cast<long long>(session_->test_data().size()), seconds,
                    logs.get("accuracy").value_or(0.0));
    }

    std::int64_t train_samples() const { return session_->train_data().size(); }

    // Best of enough repetitions for about half a second of work, through
    // the float32 entry point or the bf16 one.
    void gemm(int threads, std::int64_t m, std::int64_t n, std::int64_t k, bool bf16)
    {
        backend& be = backend_for(threads);
        std::vector<float> a(static_cast<std::size_t>(m * k), 0.5f);
        std::vector<float> b(static_cast<std::size_t>(k * n), 0.25f);
        std::vector<float> c(static_cast<std::size_t>(m * n));
        const double flop = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
        double best = 0.0;
        for (int r = 0, reps = std::max(5, static_cast<int>(1e11 / flop)); r < reps; ++r) {
            const auto start = clock_type::now();
            if (bf16) {
                be.gemm_bf16(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
            } else {
                be.gemm(false, false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c.data(), n);
            }
            const double seconds = seconds_since(start);
            if (best == 0.0 || seconds < best) best = seconds;
        }
        std::printf("{\"kind\": \"gemm\", \"backend\": \"%s\", \"precision\": \"%s\", \"native\": %s, "
                    "\"threads\": %d, \"m\": %lld, \"n\": %lld, \"k\": %lld, \"gflops\": %.4g}\n",
                    name_.c_str(), bf16 ? "bf16" : "fp32", bf16 && be.bf16_native() ? "true" : "false", threads,
                    static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k),
                    flop / best / 1e9);
    }

    // One product of a training step, alone: A (M x K, or K x M when
    // transposed) times B (K x N, or N x K), C = M x N, all packed.
    void product(int threads, bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k)
    {
        backend& be = backend_for(threads);
        const std::vector<float> a = filled(m * k, 0.5f);
        const std::vector<float> b = filled(k * n, 0.25f);
        std::vector<float> c(static_cast<std::size_t>(m * n));
        const std::int64_t lda = trans_a ? m : k;
        const std::int64_t ldb = trans_b ? k : n;
        const double seconds = fastest_call_seconds(
            [&] { be.gemm(trans_a, trans_b, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n); });
        std::printf("{\"kind\": \"product\", \"backend\": \"%s\", \"threads\": %d, \"layout\": \"%c%c\", "
                    "\"m\": %lld, \"n\": %lld, \"k\": %lld, \"seconds\": %.9g}\n",
                    name_.c_str(), threads, trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', static_cast<long long>(m),
                    static_cast<long long>(n), static_cast<long long>(k), seconds);
    }

    // Adam's update of n weights, alone, at a late step (its bias
    // correction costs the same at any step).
    void adam(int threads, std::int64_t n)
    {
        backend& be = backend_for(threads);
        std::vector<float> w = filled(n, 0.1f), m = filled(n, 0.01f), v = filled(n, 0.001f);
        const std::vector<float> g = filled(n, 0.02f);
        const double seconds = fastest_call_seconds(
            [&] { be.adam_update(n, 0.001f, 0.9f, 0.999f, 1e-7f, 1000, w.data(), g.data(), m.data(), v.data(), nullptr); });
        std::printf("{\"kind\": \"adam\", \"backend\": \"%s\", \"threads\": %d, \"n\": %lld, \"seconds\": %.9g}\n",
                    name_.c_str(), threads, static_cast<long long>(n), seconds);
    }

    // Every Conv2D layer of the experiment's model, each kernel timed alone.
    void conv(int threads, std::int64_t batch)
    {
        backend& be = backend_for(threads);
        const experiment& e = session_->config();
        const std::unique_ptr<model> net = build_model(e.model, e.file, session_->test_data().x.dims().without_batch(), e.policy);
        rng init(derive_seed(e.seed, 0));
        net->build(init);
        for (const model::node& n : net->nodes()) {
            if (n.op->class_name() != "Conv2D") continue;
            const shape& in = net->nodes()[n.inputs.at(0)].output_shape;
            const mlrun_conv2d_shape s = conv_shape_of(n, in, batch);
            const std::vector<float> x = filled(batch * in.element_count(), 0.5f);
            const std::vector<float> dy = filled(batch * n.output_shape.element_count(), 0.25f);
            const std::vector<float> w =
                filled(s.kernel_height * s.kernel_width * s.in_channels / s.groups * s.out_channels, 0.125f);
            std::vector<float> y(dy.size()), dx(x.size()), dw(w.size());
            const double flop = 2.0 * static_cast<double>(batch * n.output_shape.element_count()) *
                                static_cast<double>(s.kernel_height * s.kernel_width * s.in_channels / s.groups);
            const std::pair<const char*, std::function<void()>> kernels[] = {
                {"forward", [&] { be.conv2d_forward(s, x.data(), w.data(), y.data()); }},
                {"backward_data", [&] { be.conv2d_backward_data(s, w.data(), dy.data(), dx.data()); }},
                {"backward_weights", [&] { be.conv2d_backward_weights(s, x.data(), dy.data(), dw.data()); }},
            };
            for (const auto& [kernel, body] : kernels) {
                std::printf("{\"kind\": \"conv\", \"backend\": \"%s\", \"threads\": %d, \"batch\": %lld, "
                            "\"layer\": \"%s\", \"shape\": \"%lldx%lldx%lld->%lld %lldx%lld\", \"kernel\": \"%s\", "
                            "\"gflops\": %.4g}\n",
                            name_.c_str(), threads, static_cast<long long>(batch), n.op->name().c_str(),
                            static_cast<long long>(s.in_height), static_cast<long long>(s.in_width),
                            static_cast<long long>(s.in_channels), static_cast<long long>(s.out_channels),
                            static_cast<long long>(s.kernel_height), static_cast<long long>(s.kernel_width), kernel,
                            flop / best_call_seconds(body) / 1e9);
            }
        }
        std::printf("{\"kind\": \"conv_done\"}\n");
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
        j.net = build_model(e.model, e.file, session_->test_data().x.dims().without_batch(), e.policy);
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
    std::string policy_;
    std::unique_ptr<session> session_;
    std::map<std::pair<std::int64_t, int>, job> jobs_;
    std::map<int, std::unique_ptr<backend>> backends_;
    int fits_ = 0;
};

// A product's layout word: NN, TN or NT.
bool product_layout(const std::string& layout, bool& trans_a, bool& trans_b)
{
    trans_a = layout == "TN";
    trans_b = layout == "NT";
    return layout == "NN" || trans_a || trans_b;
}

// The optional last word of a gemm command: fp32 (also when absent) or bf16.
bool gemm_precision(std::istringstream& in, std::string& precision)
{
    if (!(in >> precision)) precision = "fp32";
    return precision == "fp32" || precision == "bf16";
}

void serve(benchmark& bench)
{
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        std::int64_t batch = 0, steps = 0, m = 0, n = 0, k = 0;
        int threads = 0;
        std::string precision, layout;
        bool trans_a = false, trans_b = false;
        if (command == "train" && in >> batch >> threads >> steps && batch > 0 && threads > 0 && steps >= 0) {
            bench.train(batch, threads, steps);
        } else if (command == "evaluate" && in >> batch >> threads && batch > 0 && threads > 0) {
            bench.evaluate(batch, threads);
        } else if (command == "gemm" && in >> threads >> m >> n >> k && threads > 0 && m > 0 && n > 0 && k > 0 &&
                   gemm_precision(in, precision)) {
            bench.gemm(threads, m, n, k, precision == "bf16");
        } else if (command == "product" && in >> threads >> layout >> m >> n >> k && threads > 0 && m > 0 && n > 0 &&
                   k > 0 && product_layout(layout, trans_a, trans_b)) {
            bench.product(threads, trans_a, trans_b, m, n, k);
        } else if (command == "adam" && in >> threads >> n && threads > 0 && n > 0) {
            bench.adam(threads, n);
        } else if (command == "conv" && in >> threads >> batch && threads > 0 && batch > 0) {
            bench.conv(threads, batch);
        } else if (command == "quit") {
            return;
        } else if (!command.empty()) {
            throw usage_error("unknown or malformed command '" + line +
                              "'; expected train BATCH THREADS STEPS, evaluate BATCH THREADS, "
                              "gemm THREADS M N K [fp32|bf16], product THREADS NN|TN|NT M N K, adam THREADS N, "
                              "conv THREADS BATCH or quit");
        }
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv)
{
    try {
        std::string config, backend_name, policy;
        std::vector<std::string> plugin_dirs;
        po::options_description options("usage: mlrun-benchmark --backend NAME [--config FILE] < commands\n\noptions");
        options.add_options()("help,h", "show this help")(
            "config", po::value(&config)->default_value("configs/fashion_mnist.yaml"), "experiment whose job is timed")(
            "backend", po::value(&backend_name)->required(), "backend plugin to time")(
            "policy", po::value(&policy), "dtype policy of the models (float32 or mixed_bfloat16; default: the "
                                          "experiment's model.dtype_policy)")(
            "plugin-dir", po::value(&plugin_dirs)->composing(), "search this directory for plugins first");
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        if (vm.count("help")) {
            std::cout << options;
            return 0;
        }
        po::notify(vm);
        std::vector<boost::filesystem::path> dirs(plugin_dirs.begin(), plugin_dirs.end());
        benchmark bench(config, backend_name, policy, dirs);
        std::printf("{\"kind\": \"ready\", \"backend\": \"%s\", \"policy\": \"%s\", \"train_samples\": %lld}\n",
                    backend_name.c_str(), bench.policy().c_str(), static_cast<long long>(bench.train_samples()));
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
