// Every file mlrun writes, on a disk with 0, 1, 2, ... pages free until
// the write fits: checkpoints of each format with their state file and
// experiment.yaml, CSV and TensorBoard logs, predict's and plot's outputs,
// convert's. Each run that does not fit exits 7 naming the file and the
// full disk, never dies on a signal, leaves no temporary behind, and what
// was there before is whole: the same bytes, or (where the run replaces
// it) the new version whole.
#include "e2e/full_disk/full_disk_support.hpp"

#include "support/event_reader.hpp"

#include <set>
#include <sstream>

using namespace mlrun;
using namespace mlrun::e2e;

namespace {

constexpr int units = 128;  // weights and optimizer slots of about 20 KB: a save spans pages

std::string checkpoint_section(const std::string& path)
{
    return "checkpoint: {path: '" + path + "', save_weights_only: false}\n";
}

// The lines of a CSV log are whole rows: each ends in a newline and has
// as many cells as the header.
void expect_whole_rows(const std::string& text, const std::string& name)
{
    BOOST_TEST((text.empty() || text.back() == '\n'), name << " ends inside a row: " << text);
    std::istringstream lines(text);
    std::string line;
    std::size_t cells = 0;
    while (std::getline(lines, line)) {
        const std::size_t here = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
        if (cells == 0) cells = here;
        BOOST_TEST(here == cells, name << ": a row of " << here << " cells under a header of " << cells << ": " << line);
    }
}

bool starts_with(const std::string& text, const std::string& start) { return text.compare(0, start.size(), start) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(full_disk_outputs)

// The checkpoint of each format, its state file and experiment.yaml: the
// directory's latest checkpoint is always the previous one or the new one,
// whole, and experiment.yaml the previous run's or the new run's.
BOOST_AUTO_TEST_CASE(a_checkpoint_that_does_not_fit_keeps_the_previous_one)
{
    for (const std::string name : {"cp.ckpt", "cp.h5", "cp.yaml"}) {
        BOOST_TEST_CONTEXT(name)
        {
            small_disk disk(256 * 1024);
            if (disk.skipped("full_disk_outputs")) return;
            scratch s;
            const std::string directory = disk.path("ck");
            s.experiment("exp.yaml", 1, checkpoint_section(directory + "/" + name), units);
            BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml").exit_code, 0);
            const auto previous = tensor_bytes(load_checkpoint(*latest_checkpoint(directory)));
            const std::string previous_record = file_text(directory + "/experiment.yaml");
            BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml seed=4 checkpoint.path=" + s.path("new/" + name)).exit_code, 0);
            const auto next = tensor_bytes(load_checkpoint(*latest_checkpoint(s.path("new"))));
            BOOST_REQUIRE(next != previous);

            std::set<std::string> records;
            const int failures = sweep_free_space(disk, s, "exp.yaml seed=4", directory, [&] {
                const std::optional<std::string> latest = latest_checkpoint(directory);
                BOOST_REQUIRE(latest.has_value());
                const auto found = tensor_bytes(load_checkpoint(*latest));
                BOOST_TEST((found == previous || found == next), *latest << " is neither the previous nor the new checkpoint");
                records.insert(file_text(directory + "/experiment.yaml"));
            });
            const std::string new_record = file_text(directory + "/experiment.yaml");
            for (const std::string& r : records) BOOST_TEST((r == previous_record || r == new_record), "a damaged experiment.yaml: " << r);
            BOOST_TEST(tensor_bytes(load_checkpoint(*latest_checkpoint(directory))) == next);
            BOOST_TEST_MESSAGE(name << ": " << failures << " runs did not fit");
        }
    }
}

// CSV rows are appended whole or not at all; TensorBoard records too; a
// log replaced by a new run is the previous one until the new one is.
BOOST_AUTO_TEST_CASE(logs_that_do_not_fit_keep_every_earlier_row)
{
    for (const bool append : {false, true}) {
        BOOST_TEST_CONTEXT("append: " << append)
        {
            small_disk disk(256 * 1024);
            if (disk.skipped("full_disk_outputs")) return;
            scratch s;
            const std::string csv = disk.path("logs/log.csv");
            s.experiment("exp.yaml", 40, "callbacks:\n  csv_logger: {path: " + csv + ", append: " + (append ? "true" : "false") +
                                            "}\n  tensorboard: {log_dir: " + disk.path("tb") + "}\n");
            BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml").exit_code, 0);
            const std::map<std::string, std::string> before = disk_files(disk);
            const std::string previous = before.at(csv);
            sweep_free_space(disk, s, "exp.yaml", disk.path(""), [&] {
                const std::map<std::string, std::string> now = disk_files(disk);
                const std::string log = now.count(csv) ? now.at(csv) : "";
                if (append) BOOST_TEST(starts_with(log, previous), "rows of the previous run were lost: " << log);
                expect_whole_rows(log, csv);
                for (const auto& [file, bytes] : now) {
                    if (file == csv) continue;
                    if (before.count(file)) {
                        BOOST_TEST((bytes == before.at(file)), file << " changed");
                    } else {
                        testing::parse_records(bytes);  // whole records only
                    }
                }
            });
        }
    }
}

// The final model (save.path), predict --output, export-architecture,
// plot -o and convert replace their output whole or not at all.
BOOST_AUTO_TEST_CASE(outputs_that_do_not_fit_keep_the_previous_file)
{
    small_disk disk(512 * 1024);
    if (disk.skipped("full_disk_outputs")) return;
    scratch s;
    s.experiment("exp.yaml", 3, "save: {path: " + s.path("model.h5") + "}\ncallbacks:\n  csv_logger: {path: " + s.path("log.csv") + "}\n",
                 units);
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml").exit_code, 0);
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml seed=4 save.path=" + s.path("other.h5")).exit_code, 0);
    std::ostringstream rows;
    for (int i = 0; i < 3000; ++i) {
        for (int f = 0; f < 8; ++f) rows << (f == 0 ? "" : ",") << (i * 8 + f) % 17 / 17.0;
        rows << "\n";
    }
    std::ofstream(s.path("x.csv")) << rows.str();
    std::ofstream(s.path("few.csv")) << "1,0,0,0,0,0,0,0\n";

    auto keeps = [&](const std::string& output) {
        const std::string previous = file_text(output);
        return [&disk, output, previous] {
            BOOST_TEST((file_text(output) == previous), output << " changed");
            (void)disk;
        };
    };
    const std::string predictions = disk.path("y.npy");
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "predict --model model.h5 --input few.csv --output " + predictions).exit_code, 0);
    sweep_free_space(disk, s, "predict --model model.h5 --input x.csv --output " + predictions, predictions,
                     keeps(predictions));

    const std::string model = disk.path("final.h5");
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "exp.yaml save.path=" + model).exit_code, 0);
    sweep_free_space(disk, s, "exp.yaml seed=4 save.path=" + model, model, keeps(model));

    const std::string architecture = disk.path("arch.yaml");
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "export-architecture exp.yaml " + architecture).exit_code, 0);
    s.experiment("wide.yaml", 3, "", 2 * units);
    sweep_free_space(disk, s, "export-architecture wide.yaml " + architecture, architecture, keeps(architecture));

    const std::string picture = disk.path("curves.png");
    BOOST_REQUIRE_EQUAL(run_mlrun(s, "plot " + s.path("log.csv") + " -o " + picture).exit_code, 0);
    sweep_free_space(disk, s, "plot " + s.path("log.csv") + " -o " + picture, picture,
                     keeps(picture));

    for (const std::string name : {"out.h5", "out.yaml", "out_tf"}) {
        const std::string output = disk.path(name);
        BOOST_REQUIRE_EQUAL(run_mlrun(s, "convert model.h5 " + output).exit_code, 0);
        const auto previous = tensor_bytes(load_checkpoint(output));
        sweep_free_space(disk, s, "convert other.h5 " + output, output, [&] {
            BOOST_TEST((tensor_bytes(load_checkpoint(output)) == previous), output << " changed");
        });
    }
}

BOOST_AUTO_TEST_SUITE_END()
