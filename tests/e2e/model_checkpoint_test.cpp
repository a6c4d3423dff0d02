// The checkpoint section of an experiment driving saves during fit():
// frequencies, path templates, keep_last with the state file, best-only.
#define BOOST_TEST_MODULE checkpoint_e2e
#include <boost/test/unit_test.hpp>

#include "checkpoint_e2e_support.hpp"

#include "mlrun/checkpoint/checkpoint_state.hpp"
#include "mlrun/checkpoint/format.hpp"
#include "mlrun/checkpoint/model_state.hpp"
#include "mlrun/core/error.hpp"
#include "train/session.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <sstream>

using namespace mlrun;
using namespace mlrun::e2e;

namespace {

session_options options_for(const std::string& config)
{
    return {config, {}, {boost::filesystem::path(plugin_dir())}, true};
}

std::set<std::string> files_in(const std::string& directory)
{
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) names.insert(entry.path().filename().string());
    return names;
}

// Runs in the scratch directory, so relative checkpoint paths land there.
struct in_directory {
    fs::path previous = fs::current_path();
    explicit in_directory(const fs::path& dir) { fs::current_path(dir); }
    ~in_directory() { fs::current_path(previous); }
};

// After every epoch, every checkpoint the state file names must exist.
struct state_file_auditor final : callback {
    std::string directory;
    int audits = 0;
    void on_epoch_end(trainer&, int, const metric_logs&) override
    {
        if (const auto state = read_checkpoint_state(directory)) {
            for (const std::string& p : state->all_model_checkpoint_paths) {
                BOOST_TEST(fs::exists(resolve_checkpoint_path(directory, p) + ".index"), p << " is named but gone");
            }
            ++audits;
        }
    }
};

template <class Body> std::string error_of(Body&& body)
{
    try {
        body();
    } catch (const mlrun::error& e) {
        return e.what();
    }
    BOOST_FAIL("expected an mlrun::error, none was thrown");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_checkpoint_policy)

BOOST_AUTO_TEST_CASE(every_n_epochs_with_a_template_keeps_the_newest_and_the_state_file_agrees)
{
    scratch s;
    in_directory here(s.dir);
    const std::string config = s.experiment("every2.yaml", 6,
                                            "checkpoint:\n  path: ck/cp-{epoch:04d}.ckpt\n  every: 2 epochs\n"
                                            "  keep_last: 2\n  save_at_start: true\n  verbose: 1\n");
    session run(options_for(config));
    std::ostringstream out;
    state_file_auditor auditor;
    auditor.directory = "ck";
    run.fit(out, {&auditor});
    BOOST_TEST_MESSAGE(out.str());
    BOOST_TEST(contains(out.str(), "Before training: saving model to ck/cp-0000.ckpt\n"));
    BOOST_TEST(contains(out.str(), "Epoch 2: saving model to ck/cp-0002.ckpt\n"));
    BOOST_TEST(contains(out.str(), "Epoch 6: saving model to ck/cp-0006.ckpt\n"));
    BOOST_TEST(!contains(out.str(), "Epoch 3: saving"));
    BOOST_TEST(auditor.audits == 6);

    BOOST_TEST(files_in("ck") == (std::set<std::string>{"checkpoint", "experiment.yaml", ".mlrun.lock", "cp-0004.ckpt.data-00000-of-00001", "cp-0004.ckpt.index",
                                                         "cp-0006.ckpt.data-00000-of-00001", "cp-0006.ckpt.index"}),
               boost::test_tools::per_element());
    const checkpoint_state state = *read_checkpoint_state("ck");
    BOOST_TEST(state.model_checkpoint_path == "cp-0006.ckpt");
    BOOST_TEST(state.all_model_checkpoint_paths == (std::vector<std::string>{"cp-0004.ckpt", "cp-0006.ckpt"}),
               boost::test_tools::per_element());
    BOOST_TEST(state.all_model_checkpoint_timestamps.size() == 2u);
    BOOST_TEST(state.last_preserved_timestamp.has_value());
    BOOST_TEST(*latest_checkpoint("ck") == "ck/cp-0006.ckpt");

    // The latest checkpoint restores the trained model exactly, optimizer
    // state included.
    session fresh(options_for(config));
    const format tf(fresh.plugins().find(MLRUN_PLUGIN_FORMAT, "tf_checkpoint"));
    restore_state(fresh.net(), &fresh.fitter().get_optimizer(), tf.load("ck/cp-0006.ckpt"), false, "cp-0006");
    const checkpoint trained = capture_state(run.net(), &run.fitter().get_optimizer());
    const checkpoint restored = capture_state(fresh.net(), &fresh.fitter().get_optimizer());
    BOOST_REQUIRE(trained.tensors.size() == restored.tensors.size());
    for (std::size_t i = 0; i < trained.tensors.size(); ++i) {
        BOOST_TEST_CONTEXT(trained.tensors[i].first)
        {
            BOOST_TEST(std::memcmp(trained.tensors[i].second.bytes(), restored.tensors[i].second.bytes(),
                                   trained.tensors[i].second.byte_size()) == 0);
        }
    }
    BOOST_TEST(fresh.fitter().get_optimizer().iterations() == 6 * 4);  // 64 samples, batches of 16
}

BOOST_AUTO_TEST_CASE(every_n_steps_names_checkpoints_by_step_and_keep_last_zero_keeps_all)
{
    scratch s;
    in_directory here(s.dir);
    session run(options_for(s.experiment(
        "steps.yaml", 2, "checkpoint: {path: 'st/cp-{step}-e{epoch}b{batch}.ckpt', every: 3 steps, keep_last: 0, verbose: 1}\n")));
    std::ostringstream out;
    run.fit(out, {});
    // 4 steps per epoch: steps 3 (epoch 1, batch 3) and 6 (epoch 2, batch 2).
    BOOST_TEST(contains(out.str(), "\nEpoch 1: saving model to st/cp-3-e1b3.ckpt\n"));
    BOOST_TEST(contains(out.str(), "\nEpoch 2: saving model to st/cp-6-e2b2.ckpt\n"));
    BOOST_TEST(read_checkpoint_state("st")->all_model_checkpoint_paths ==
                   (std::vector<std::string>{"cp-3-e1b3.ckpt", "cp-6-e2b2.ckpt"}),
               boost::test_tools::per_element());
    BOOST_TEST(files_in("st").size() == 7u);  // with the state file, experiment.yaml and the lock
}

BOOST_AUTO_TEST_CASE(the_same_path_every_epoch_is_overwritten_and_listed_once)
{
    scratch s;
    in_directory here(s.dir);
    session run(options_for(s.experiment("same.yaml", 3, "checkpoint: training_1/cp.ckpt\n")));
    std::ostringstream out;
    run.fit(out, {});
    BOOST_TEST(out.str().find("saving model") == std::string::npos);  // verbose defaults to 0, as in Keras
    const checkpoint_state state = *read_checkpoint_state("training_1");
    BOOST_TEST(state.all_model_checkpoint_paths == std::vector<std::string>{"cp.ckpt"}, boost::test_tools::per_element());
    BOOST_TEST(files_in("training_1").size() == 5u);  // with the state file, experiment.yaml and the lock
}

BOOST_AUTO_TEST_CASE(save_best_only_saves_exactly_when_the_monitor_improves)
{
    // val_accuracy on 32 test samples moves in steps of 1/32 and often
    // stays put, so both branches occur; mode auto means larger is better.
    scratch s;
    in_directory here(s.dir);
    session run(options_for(s.experiment(
        "best.yaml", 8, "checkpoint: {path: best.ckpt, save_best_only: true, monitor: val_accuracy, verbose: 1}\n")));
    std::ostringstream out;
    const history h = run.fit(out, {});
    BOOST_TEST_MESSAGE(out.str());
    double best = -std::numeric_limits<double>::infinity();
    int kept = 0, passed_over = 0;
    for (std::size_t e = 0; e < h.epochs.size(); ++e) {
        const double accuracy = *h.epochs[e].get("val_accuracy");
        const std::string epoch = "Epoch " + std::to_string(e + 1) + ": val_accuracy ";
        BOOST_TEST_CONTEXT(epoch)
        {
            if (accuracy > best) {
                BOOST_TEST(contains(out.str(), epoch + "improved from "));
                best = accuracy;
                ++kept;
            } else {
                BOOST_TEST(contains(out.str(), epoch + "did not improve from "));
                ++passed_over;
            }
        }
    }
    BOOST_TEST(contains(out.str(), "Epoch 1: val_accuracy improved from -inf to "));
    BOOST_TEST(kept >= 1);
    BOOST_TEST(passed_over >= 1);
    BOOST_TEST(fs::exists("best.ckpt.index"));
}

BOOST_AUTO_TEST_CASE(keep_last_manages_checkpoints_a_previous_run_listed)
{
    scratch s;
    in_directory here(s.dir);
    fs::create_directories("ck");
    for (const char* old : {"ck/new-7.ckpt", "ck/new-8.ckpt"}) {
        std::ofstream(std::string(old) + ".index") << "x";
        std::ofstream(std::string(old) + ".data-00000-of-00001") << "x";
    }
    std::ofstream("ck/unrelated.txt") << "kept";
    write_checkpoint_state("ck", {"new-8.ckpt", {"new-7.ckpt", "new-8.ckpt"}, {1.0, 2.0}, 0.5});
    session run(options_for(s.experiment("resume.yaml", 2, "checkpoint: {path: 'ck/new-{epoch}.ckpt', keep_last: 3}\n")));
    std::ostringstream out;
    run.fit(out, {});
    const checkpoint_state state = *read_checkpoint_state("ck");
    BOOST_TEST(state.all_model_checkpoint_paths == (std::vector<std::string>{"new-8.ckpt", "new-1.ckpt", "new-2.ckpt"}),
               boost::test_tools::per_element());
    BOOST_TEST(*state.last_preserved_timestamp == 0.5);
    BOOST_TEST(!fs::exists("ck/new-7.ckpt.index"));
    BOOST_TEST(!fs::exists("ck/new-7.ckpt.data-00000-of-00001"));
    BOOST_TEST(fs::exists("ck/new-8.ckpt.index"));
    BOOST_TEST(fs::exists("ck/unrelated.txt"));
}

// keep_best keeps the checkpoints with the best monitored values besides
// the newest; `mode: max` on the loss makes the best the earliest epochs,
// which keep_last alone would drop.
BOOST_AUTO_TEST_CASE(keep_best_keeps_the_best_monitored_besides_the_newest)
{
    scratch s;
    in_directory here(s.dir);
    session run(options_for(s.experiment(
        "best.yaml", 6, "checkpoint: {path: 'kb/cp-{epoch}.ckpt', keep_last: 1, keep_best: 2, monitor: loss, mode: max}\n")));
    struct loss_recorder final : callback {
        std::vector<double> loss;  // per epoch
        void on_epoch_end(trainer&, int, const metric_logs& logs) override { loss.push_back(*logs.get("loss")); }
    } recorder;
    std::ostringstream out;
    run.fit(out, {&recorder});
    BOOST_REQUIRE_EQUAL(recorder.loss.size(), 6u);
    std::vector<int> epochs = {1, 2, 3, 4, 5, 6};
    std::stable_sort(epochs.begin(), epochs.end(), [&](int a, int b) { return recorder.loss[a - 1] > recorder.loss[b - 1]; });
    std::set<int> kept = {epochs[0], epochs[1], 6};
    std::vector<std::string> expected;
    for (int e : kept) expected.push_back("cp-" + std::to_string(e) + ".ckpt");
    const checkpoint_state state = *read_checkpoint_state("kb");
    BOOST_TEST(state.all_model_checkpoint_paths == expected, boost::test_tools::per_element());
    for (int e = 1; e <= 6; ++e) {
        const bool present = fs::exists("kb/cp-" + std::to_string(e) + ".ckpt.index");
        BOOST_TEST(present == (kept.count(e) == 1), "epoch " << e << (present ? " kept" : " deleted"));
    }
}

// A state file is data anyone may have written: retention deletes only
// names this run's template makes, inside the checkpoint directory.
BOOST_AUTO_TEST_CASE(retention_never_deletes_what_the_template_cannot_name)
{
    scratch s;
    in_directory here(s.dir);
    fs::create_directories("ck");
    fs::create_directories("elsewhere");
    const std::string absolute = (s.dir / "elsewhere" / "victim.ckpt").string();
    const std::vector<std::string> foreign = {"../elsewhere/outside.ckpt", absolute, "other-1.ckpt", "new-1.ckpt/../../elsewhere/x.ckpt"};
    for (const char* file : {"elsewhere/outside.ckpt", "elsewhere/victim.ckpt", "ck/other-1.ckpt", "elsewhere/x.ckpt"}) {
        std::ofstream(std::string(file) + ".index") << "x";
        std::ofstream(std::string(file) + ".data-00000-of-00001") << "x";
    }
    write_checkpoint_state("ck", {foreign.back(), foreign, {1.0, 2.0, 3.0, 4.0}, 0.5});
    session run(options_for(s.experiment("foreign.yaml", 3, "checkpoint: {path: 'ck/new-{epoch}.ckpt', keep_last: 1}\n")));
    std::ostringstream out;
    run.fit(out, {});
    for (const char* file : {"elsewhere/outside.ckpt", "elsewhere/victim.ckpt", "ck/other-1.ckpt", "elsewhere/x.ckpt"}) {
        BOOST_TEST(fs::exists(std::string(file) + ".index"), file << ".index was deleted");
        BOOST_TEST(fs::exists(std::string(file) + ".data-00000-of-00001"), file << ".data was deleted");
    }
    BOOST_TEST(!fs::exists("ck/new-1.ckpt.index"));  // its own old checkpoints still go
    BOOST_TEST(fs::exists("ck/new-3.ckpt.index"));
    const std::string log = out.str();
    for (const std::string& name : foreign) {
        const std::string warning = "not deleting '" + name + "'";
        BOOST_TEST(contains(log, warning), "no warning for " << name << " in:\n" << log);
        BOOST_TEST(log.find(warning) == log.rfind(warning), "more than one warning for " << name);
    }
}

BOOST_AUTO_TEST_CASE(bad_policies_are_config_errors_before_training)
{
    scratch s;
    in_directory here(s.dir);
    auto fit_error = [&](const std::string& section) {
        return error_of([&] {
            session run(options_for(s.experiment("bad.yaml", 1, section)));
            std::ostringstream out;
            run.fit(out, {});
        });
    };
    const std::string bare = fit_error("checkpoint:\n  path: cp.ckpt\n  every: 5\n");
    BOOST_TEST(contains(bare, "bad.yaml:13:10: checkpoint.every: '5': the unit is missing"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: 'cp-{val_los:.2f}.ckpt'}\n"), "unknown field {val_los}; available: epoch, step, loss"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: 'cp-{val_loss}.ckpt', every: 2 steps}\n"),
                        "{val_loss} is only logged at the end of an epoch"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: cp.ckpt, save_best_only: true, monitor: val_acc}\n"),
                        "checkpoint.monitor 'val_acc' is not logged"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: cp.ckpt, format: tf_chekpoint}\n"), "tf_chekpoint"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: cp.ckpt, keep_last: -1}\n"), "checkpoint.keep_last: expected 0 (keep all) or more"));
    BOOST_TEST(contains(fit_error("checkpoint: {path: 'cp-{loss}.ckpt', save_at_start: true}\n"), "save_at_start"));
    BOOST_TEST(contains(fit_error("checkpoint: {pth: cp.ckpt}\n"), "unknown key 'checkpoint.pth' (did you mean 'checkpoint.path'?)"));
    BOOST_TEST(!fs::exists("cp.ckpt.index"));
}

BOOST_AUTO_TEST_CASE(a_save_that_cannot_be_written_stops_training_with_the_path)
{
    scratch s;
    in_directory here(s.dir);
    session run(options_for(s.experiment("blocked.yaml", 2, "checkpoint: blocked/cp.ckpt\n")));
    // Made after the path was checked at start-up: the disk changing under a run.
    std::ofstream("blocked") << "a file where the checkpoint directory should be";
    std::ostringstream out;
    const std::string message = error_of([&] { run.fit(out, {}); });
    BOOST_TEST(contains(message, "blocked/cp.ckpt: cannot start saving (tf_checkpoint): blocked: exists and is not a directory"));
}

BOOST_AUTO_TEST_SUITE_END()
