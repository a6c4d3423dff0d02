// checkpoint.on_save_error: warn on a full disk: every save that does not
// fit warns, training goes on to its end, the final model (on another
// disk) is saved, and the checkpoint saved before is untouched.
#include "e2e/full_disk/full_disk_support.hpp"

using namespace mlrun;
using namespace mlrun::e2e;

BOOST_AUTO_TEST_SUITE(full_disk_save_error_warn)

BOOST_AUTO_TEST_CASE(a_full_disk_warns_goes_on_and_keeps_the_previous_checkpoint)
{
    small_disk disk(256 * 1024);
    if (disk.skipped("full_disk_save_error_warn")) return;
    scratch s;
    const std::string directory = disk.path("ck");
    // The tutorial's checkpoint: one prefix, saved over every epoch.
    s.experiment("exp.yaml", 1, "checkpoint: {path: '" + directory + "/cp.ckpt', save_weights_only: false}\n", 128);
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml").exit_code, 0);
    const std::map<std::string, std::string> before = disk_files(disk);
    const auto previous = tensor_bytes(load_checkpoint(*latest_checkpoint(directory)));
    const std::string go_on = "exp.yaml seed=4 fit.epochs=3 checkpoint.on_save_error=warn save.path=";
    BOOST_REQUIRE_EQUAL(run_mlrun(s, go_on + s.path("reference.h5") + " checkpoint.path=" + s.path("ref/cp.ckpt")).exit_code, 0);
    const auto reference = tensor_bytes(load_checkpoint(s.path("reference.h5")));

    // No page free, then one: room for the state file and experiment.yaml
    // but never for a checkpoint.
    for (std::size_t pages = 0; pages <= 1; ++pages) {
        BOOST_TEST_CONTEXT(pages << " pages free")
        {
            disk.leave_free(pages * page);
            const std::string model = s.path("final-" + std::to_string(pages) + ".h5");
            const testing::command_result r = run_mlrun(s, go_on + model);
            BOOST_TEST(r.exit_code == 0, r.output);
            for (int epoch = 1; epoch <= 3; ++epoch) {
                BOOST_TEST(contains(r.output, "Epoch " + std::to_string(epoch) + "/3"), r.output);
            }
            BOOST_TEST(contains(r.output, "warning: saving " + directory + "/cp.ckpt failed, training goes on"), r.output);
            BOOST_TEST(contains(r.output, "No space left on device"), r.output);
            BOOST_TEST(tensor_bytes(load_checkpoint(model)) == reference, "the final model is not the trained one");
            BOOST_TEST(tensor_bytes(load_checkpoint(*latest_checkpoint(directory))) == previous);
            const std::map<std::string, std::string> after = disk_files(disk);
            for (const auto& [file, bytes] : before) {
                // The state file and the lock are rewritten, experiment.yaml
                // replaced by this run's when it fits: the checkpoint's own
                // files are what must not change.
                if (file.rfind(directory + "/cp.ckpt", 0) != 0) continue;
                BOOST_TEST((after.count(file) && after.at(file) == bytes), file << " changed or went");
            }
            for (const auto& [file, bytes] : after) BOOST_TEST(before.count(file) == 1u, file << " was left behind");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
