// Training 5 epochs, saving the whole model to a Keras HDF5 file, loading
// it and training 5 more gives bit-identical weights, optimizer state and
// losses to training 10 epochs in one run (reference backend), for each
// optimizer and its slots, with dropout and BatchNormalization in the model.
#include "formats/hdf5/hdf5_test_support.hpp"

#include "mlrun/backend/backend.hpp"
#include "mlrun/losses/loss.hpp"
#include "mlrun/metrics/metric.hpp"
#include "mlrun/train/trainer.hpp"
#include "optim/optimizer_yaml.hpp"

#include <cstring>

using namespace mlrun;
using namespace mlrun::testing;

namespace {

// Dropout masks and BatchNormalization's moving statistics are state too.
const char* const layers = "[{Dense: {units: 24, activation: relu, input_shape: [12]}}, {BatchNormalization: {}},"
                           " {Dropout: {rate: 0.25}}, {Dense: {units: 4, activation: softmax}}]";
constexpr std::uint64_t init_seed = 5;

// Four classes: the largest of four fixed projections of the input.
dataset synthetic(std::int64_t samples)
{
    rng gen(77);
    std::vector<float> projection(12 * 4);
    for (float& p : projection) p = gen.uniform(-1.0f, 1.0f);
    dataset d;
    d.name = "synthetic";
    d.x = tensor({samples, 12});
    d.y = tensor(dtype::int32, {samples});
    for (std::int64_t s = 0; s < samples; ++s) {
        float* x = d.x.f32() + s * 12;
        for (int i = 0; i < 12; ++i) x[i] = gen.uniform(-1.0f, 1.0f);
        int best = 0;
        float best_score = -1e30f;
        for (int c = 0; c < 4; ++c) {
            float score = 0.0f;
            for (int i = 0; i < 12; ++i) score += x[i] * projection[static_cast<std::size_t>(i * 4 + c)];
            if (score > best_score) best = c, best_score = score;
        }
        d.y.data<std::int32_t>()[s] = best;
    }
    return d;
}

std::unique_ptr<trainer> compile(model& m, backend& be, const std::string& optimizer)
{
    const loss_kind loss = parse_loss("sparse_categorical_crossentropy");
    std::vector<metric> metrics{{"accuracy", loss, 4}};
    return std::make_unique<trainer>(m, be, loss_function(loss), make_optimizer(YAML::Load(optimizer), "<test>"),
                                     std::move(metrics));
}

fit_options options(int epochs, int initial_epoch)
{
    fit_options o;
    o.epochs = epochs;
    o.initial_epoch = initial_epoch;
    o.batch_size = 16;
    o.seed = 21;
    return o;
}

bool same_bytes(const tensor& a, const tensor& b)
{
    return a.dims() == b.dims() && std::memcmp(a.bytes(), b.bytes(), a.byte_size()) == 0;
}

bool same_weights(const model& a, const model& b)
{
    for (std::size_t n = 0; n < a.nodes().size(); ++n) {
        const auto& pa = a.nodes()[n].op->parameters();
        const auto& pb = b.nodes()[n].op->parameters();
        for (std::size_t p = 0; p < pa.size(); ++p) {
            if (!same_bytes(pa[p].value, pb[p].value)) return false;
        }
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(continue_training)

BOOST_AUTO_TEST_CASE(save_load_and_go_on_is_bit_identical_to_never_stopping)
{
    const plugin_registry plugins = build_plugins();
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    const dataset train = synthetic(200);  // 13 steps per epoch, the last one short
    temp_dir dir;
    for (const std::string spec : {"adam", "{adam: {amsgrad: true, learning_rate: 0.003}}",
                                        "{sgd: {momentum: 0.9, nesterov: true}}",
                                        "{rmsprop: {momentum: 0.5, centered: true}}"}) {
        BOOST_TEST_CONTEXT(spec)
        {
            // Ten epochs in one run.
            std::unique_ptr<model> straight = model_from(layers, init_seed);
            std::unique_ptr<trainer> straight_trainer = compile(*straight, be, spec);
            const history all = straight_trainer->fit(train, options(10, 0), {});

            // Five epochs, saved as Keras's model.save would.
            const std::string path = dir.path("half.h5");
            {
                std::unique_ptr<model> first = model_from(layers, init_seed);
                std::unique_ptr<trainer> first_trainer = compile(*first, be, spec);
                first_trainer->fit(train, options(5, 0), {});
                BOOST_REQUIRE(!same_weights(*first, *straight));  // training moved the weights on
                save_request request;
                request.opt = &first_trainer->get_optimizer();
                request.loss = "sparse_categorical_crossentropy";
                request.metrics = {"accuracy"};
                training_state state;
                state.epochs_done = 5;
                state.seed = 21;
                state.batch_size = 16;
                state.shuffle = true;
                request.state = state;
                save_model(path, *first, request, plugins);
            }

            // Load, and go on for five more from where the file says training stopped.
            std::unique_ptr<loaded_model> loaded = load_model(path, plugins, be);
            BOOST_REQUIRE(loaded->state());
            const training_state& state = *loaded->state();
            BOOST_REQUIRE_EQUAL(state.epochs_done, 5);
            fit_options more = options(10, state.epochs_done);
            more.seed = state.seed;
            more.batch_size = state.batch_size;
            more.shuffle = state.shuffle;
            const history rest = loaded->fitter().fit(train, more, {});

            BOOST_CHECK(same_weights(loaded->net(), *straight));
            const optimizer& ours = loaded->fitter().get_optimizer();
            const optimizer& theirs = straight_trainer->get_optimizer();
            BOOST_CHECK_EQUAL(ours.iterations(), theirs.iterations());
            BOOST_REQUIRE_EQUAL(ours.slots().size(), theirs.slots().size());
            for (std::size_t p = 0; p < ours.slots().size(); ++p) {
                for (std::size_t s = 0; s < ours.slots()[p].size(); ++s) {
                    BOOST_CHECK(same_bytes(ours.slots()[p][s], theirs.slots()[p][s]));
                }
            }
            BOOST_REQUIRE_EQUAL(rest.epochs.size(), 5u);
            for (std::size_t e = 0; e < 5; ++e) {
                BOOST_CHECK(rest.epochs[e].values == all.epochs[e + 5].values);  // losses and accuracies, exactly
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_optimizer_state_in_the_file_is_what_makes_it_identical)
{
    // The control: the same file loaded, but its optimizer restarted, does
    // not reproduce the run, so the comparison above can fail.
    const plugin_registry plugins = build_plugins();
    backend be(plugins.find(MLRUN_PLUGIN_BACKEND, "reference"), {{"threads", "1"}});
    const dataset train = synthetic(200);
    temp_dir dir;
    std::unique_ptr<model> straight = model_from(layers, init_seed);
    compile(*straight, be, "adam")->fit(train, options(10, 0), {});
    std::unique_ptr<model> first = model_from(layers, init_seed);
    std::unique_ptr<trainer> first_trainer = compile(*first, be, "adam");
    first_trainer->fit(train, options(5, 0), {});
    save_request request;
    request.opt = &first_trainer->get_optimizer();
    request.loss = "sparse_categorical_crossentropy";
    save_model(dir.path("half.h5"), *first, request, plugins);
    std::unique_ptr<loaded_model> loaded = load_model(dir.path("half.h5"), plugins, be);
    loaded->fitter().get_optimizer().set_iterations(0);
    loaded->fitter().fit(train, options(10, 5), {});
    BOOST_CHECK(!same_weights(loaded->net(), *straight));
}

BOOST_AUTO_TEST_SUITE_END()
