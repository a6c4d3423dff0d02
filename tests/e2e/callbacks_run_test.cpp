// Callbacks in real training runs, configured from YAML: the CSV log and
// the TensorBoard event files hold exactly the values the run printed,
// EarlyStopping and ReduceLROnPlateau act on fit(), a CSV log grows on
// resume, and `mlrun plot` turns a run into a picture.
#define BOOST_TEST_MODULE callbacks_run
#include <boost/test/unit_test.hpp>

#include "mlrun/core/error.hpp"
#include "mlrun/report/event_file.hpp"
#include "train/session.hpp"
#include "support/event_reader.hpp"
#include "support/mlrun_process.hpp"
#include "support/temp_files.hpp"
#include "support/test_models.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <sstream>

using namespace mlrun;
namespace fs = boost::filesystem;

namespace {

// 300 digits, 10 steps of 32 per epoch: a few hundredths of a second.
std::string experiment_text(int epochs, const std::string& fit_extra, const std::string& callbacks)
{
    return "seed: 5\n"
           "data: {dataset: mnist, path: " + testing::source_dir() + "/data/mnist, train: {take: 300}, "
           "test: {take: 200}, flatten: true}\n"
           "model:\n"
           "  - Dense: {units: 32, activation: relu, input_shape: [784]}\n"
           "  - Dense: {units: 10, activation: softmax}\n"
           "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
           "fit: {epochs: " + std::to_string(epochs) + ", batch_size: 32, verbose: 2" + fit_extra + "}\n"
           "callbacks:\n" + callbacks;
}

struct run_result {
    history h;
    std::string printed;
};

run_result train(const testing::temp_directory& dir, const std::string& text)
{
    session s({dir.write("exp.yaml", text), {}, {}, true});
    std::ostringstream out;
    run_result r;
    r.h = s.fit(out, {});
    r.printed = out.str();
    return r;
}

std::string read_text(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    BOOST_TEST_REQUIRE(static_cast<bool>(in), "cannot open " << path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::vector<std::string>> csv_rows(const std::string& path)
{
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(read_text(path));
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::istringstream fields(line);
        std::string cell;
        while (std::getline(fields, cell, ',')) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}

// "name: value" pairs of each "Epoch N/M - ..." line the run printed.
std::vector<std::map<std::string, double>> printed_epochs(const std::string& printed)
{
    std::vector<std::map<std::string, double>> epochs;
    std::istringstream in(printed);
    std::string line;
    const std::regex pair(R"(- (\w+): (-?[0-9.]+(e[-+][0-9]+)?))");
    while (std::getline(in, line)) {
        if (line.rfind("Epoch ", 0) != 0 || line.find("step") == std::string::npos) continue;
        std::map<std::string, double> values;
        for (std::sregex_iterator it(line.begin(), line.end(), pair), end; it != end; ++it) {
            values[(*it)[1]] = std::strtod((*it)[2].str().c_str(), nullptr);
        }
        epochs.push_back(values);
    }
    return epochs;
}

std::vector<testing::decoded_event> events_in(const fs::path& directory)
{
    const std::vector<std::string> files = event_files_in(directory.string());
    BOOST_TEST_REQUIRE(files.size() == 1u, "event files in " << directory);
    BOOST_TEST(std::regex_match(fs::path(files[0]).filename().string(),
                                std::regex(R"(events\.out\.tfevents\.[0-9]{10}\..+)")),
               files[0]);
    return testing::decode_events(read_text(files[0]));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// The progress line prints 4 decimals (a learning rate in %.4e): a
// printed value is within half a unit of its last digit of the logged one.
// Event files hold float32, 6e-8 relative from the double in the logs.
BOOST_AUTO_TEST_CASE(csv_and_event_files_hold_the_values_printed_during_training)
{
    testing::temp_directory dir;
    const std::string run = (dir.path / "run").string();
    const run_result r = train(dir, experiment_text(3, ", validation: test",
                                                    "  lr_schedule: {kind: step_decay, decay_rate: 0.5, decay_steps: 1 epoch}\n"
                                                    "  csv_logger: {path: " + run + "/log.csv}\n"
                                                    "  tensorboard: {log_dir: " + run + "}\n"));
    BOOST_TEST_REQUIRE(r.h.epochs.size() == 3u);
    const auto printed = printed_epochs(r.printed);
    BOOST_TEST_REQUIRE(printed.size() == 3u, r.printed);

    const auto rows = csv_rows(run + "/log.csv");
    BOOST_TEST_REQUIRE(rows.size() == 4u);
    const std::vector<std::string> header = {"epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"};
    BOOST_TEST(rows[0] == header, boost::test_tools::per_element());

    const auto train_events = events_in(fs::path(run) / "train");
    const auto validation_events = events_in(fs::path(run) / "validation");
    BOOST_TEST_REQUIRE(train_events.size() == 4u);
    BOOST_TEST_REQUIRE(validation_events.size() == 4u);
    BOOST_TEST(train_events[0].file_version == "brain.Event:2");
    BOOST_TEST(validation_events[0].file_version == "brain.Event:2");

    for (std::size_t e = 0; e < 3; ++e) {
        const metric_logs& logged = r.h.epochs[e];
        BOOST_TEST(rows[e + 1][0] == std::to_string(e));
        std::map<std::string, float> train_tags;
        for (const auto& v : train_events[e + 1].values) train_tags[v.tag] = v.value;
        std::map<std::string, float> validation_tags;
        for (const auto& v : validation_events[e + 1].values) validation_tags[v.tag] = v.value;
        BOOST_TEST(train_events[e + 1].step == static_cast<std::int64_t>(e));
        BOOST_TEST(validation_events[e + 1].step == static_cast<std::int64_t>(e));

        for (std::size_t c = 1; c < header.size(); ++c) {
            const std::string& name = header[c];
            const double value = *logged.get(name);
            // The CSV carries the logged double exactly.
            BOOST_TEST(std::strtod(rows[e + 1][c].c_str(), nullptr) == value, name << " epoch " << e);
            // The progress line printed it.
            BOOST_TEST_REQUIRE(printed[e].count(name) == 1u, name << " not printed: " << r.printed);
            const double slack = name == "lr" ? 0.5e-4 * value : 0.5e-4 + 1e-12;
            BOOST_TEST(std::fabs(printed[e].at(name) - value) <= slack, name << " epoch " << e);
            // The event files carry it as float32 under Keras's tags.
            const bool validation = name.rfind("val_", 0) == 0;
            const std::string tag = name == "lr" ? "epoch_learning_rate" : "epoch_" + name.substr(validation ? 4 : 0);
            const auto& tags = validation ? validation_tags : train_tags;
            BOOST_TEST_REQUIRE(tags.count(tag) == 1u, tag << " missing in epoch " << e);
            BOOST_TEST(tags.at(tag) == value, boost::test_tools::tolerance(1e-7));
        }
        // Step decay by half each epoch, from Adam's 0.001.
        BOOST_TEST(*logged.get("lr") == 1e-3 * std::pow(0.5, static_cast<double>(e)), boost::test_tools::tolerance(1e-6));
    }
    BOOST_TEST(train_events[1].values.size() == 3u);  // loss, accuracy, learning rate
    BOOST_TEST(validation_events[1].values.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_csv_log_grows_on_resume_and_refuses_other_columns)
{
    testing::temp_directory dir;
    const std::string log = (dir.path / "log.csv").string();
    const std::string csv = "  csv_logger: {path: " + log + ", append: true}\n";
    train(dir, experiment_text(2, ", validation: test", csv));
    train(dir, experiment_text(4, ", validation: test, initial_epoch: 2", csv));
    const auto rows = csv_rows(log);
    BOOST_TEST_REQUIRE(rows.size() == 5u, read_text(log));
    BOOST_TEST(rows[0][0] == "epoch");
    for (std::size_t e = 0; e < 4; ++e) BOOST_TEST(rows[e + 1][0] == std::to_string(e));

    // Without validation the columns differ: refused before any training,
    // and the file is left as it was.
    const std::string before = read_text(log);
    try {
        train(dir, experiment_text(5, ", initial_epoch: 4", csv));
        BOOST_FAIL("expected an io_error");
    } catch (const io_error& e) {
        BOOST_TEST(contains(e.what(), "log.csv: cannot append: the file's columns are "
                                      "epoch,accuracy,loss,val_accuracy,val_loss but this run logs epoch,accuracy,loss"),
                   e.what());
    }
    BOOST_TEST(read_text(log) == before);

    // Without append the file starts over.
    train(dir, experiment_text(1, "", "  csv_logger: {path: " + log + "}\n"));
    BOOST_TEST(csv_rows(log).size() == 2u);
}

// min_delta 100 makes every epoch after the first a non-improvement, so
// with patience 2 training stops after the third of ten epochs.
BOOST_AUTO_TEST_CASE(early_stopping_ends_fit_and_says_why)
{
    testing::temp_directory dir;
    session s({dir.write("exp.yaml", experiment_text(10, "", "  early_stopping: {monitor: loss, min_delta: 100, patience: 2}\n")),
               {}, {}, true});
    std::ostringstream out;
    const history h = s.fit(out, {});
    BOOST_TEST(h.epochs.size() == 3u);
    BOOST_TEST(contains(out.str(), "Epoch 3: early stopping: loss did not improve on its best"), out.str());
    BOOST_TEST(contains(out.str(), "by more than min_delta 100 for 2 epochs (patience 2)"), out.str());
    const callback_states state = s.callbacks().state();
    BOOST_TEST(state.at("early_stopping").at("wait") == 2);
    BOOST_TEST(state.at("early_stopping").at("best") == *h.epochs[0].get("loss"));
}

// patience 1, factor 0.5: epoch 0 sets the best; every later epoch fails
// to beat it by 100 and halves the rate. The logs carry the rate each
// epoch trained with: 1e-3, 1e-3, 5e-4, 2.5e-4.
BOOST_AUTO_TEST_CASE(reduce_lr_on_plateau_lowers_the_rate_during_fit)
{
    testing::temp_directory dir;
    const run_result r = train(
        dir, experiment_text(4, "", "  reduce_lr_on_plateau: {monitor: loss, min_delta: 100, patience: 1, factor: 0.5}\n"));
    const std::vector<double> expected = {1e-3, 1e-3, 5e-4, 2.5e-4};
    BOOST_TEST_REQUIRE(r.h.epochs.size() == 4u);
    for (std::size_t e = 0; e < 4; ++e) {
        BOOST_TEST(*r.h.epochs[e].get("lr") == expected[e], boost::test_tools::tolerance(1e-6));
    }
    BOOST_TEST(contains(r.printed, "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.0005"), r.printed);
    BOOST_TEST(contains(r.printed, "lr: 5.0000e-04"), r.printed);
}

BOOST_AUTO_TEST_CASE(plot_draws_a_png_or_an_svg_from_a_csv_log_or_event_files)
{
    testing::temp_directory dir;
    dir.write("log.csv",
              "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.6,1.2,0.8,0.6\n1,0.88,0.42,0.87,0.44\n2,0.93,0.27,0.88,0.4\n");
    const std::string run = dir.path.string();
    const auto png = testing::run_mlrun("plot " + run + " -o " + run + "/curves.png");
    BOOST_TEST_REQUIRE(png.exit_code == 0, png.output);
    BOOST_TEST(contains(png.output, "Wrote " + run + "/curves.png (3 epochs"), png.output);
    BOOST_TEST(read_text(run + "/curves.png").substr(0, 8) == "\x89PNG\r\n\x1a\n");

    // From event files alone.
    testing::temp_directory events;
    {
        event_file_writer train((events.path / "train").string());
        event_file_writer validation((events.path / "validation").string());
        for (int e = 0; e < 3; ++e) {
            train.add_scalars(e, {{"epoch_loss", 1.0f / static_cast<float>(e + 1)}, {"epoch_accuracy", 0.5f}});
            validation.add_scalars(e, {{"epoch_loss", 1.5f / static_cast<float>(e + 1)}});
        }
    }
    const std::string svg_path = (events.path / "curves.svg").string();
    const auto svg = testing::run_mlrun("plot " + events.path.string() + " -o " + svg_path);
    BOOST_TEST_REQUIRE(svg.exit_code == 0, svg.output);
    const std::string picture = read_text(svg_path);
    BOOST_TEST(contains(picture, "<svg"));
    BOOST_TEST(contains(picture, "validation loss"));
}

BOOST_AUTO_TEST_CASE(plot_refuses_bad_input_with_a_clear_message)
{
    testing::temp_directory dir;
    const auto missing = testing::run_mlrun("plot " + dir.path.string() + "/nothing -o x.png");
    BOOST_TEST(missing.exit_code == 7, missing.output);
    BOOST_TEST(contains(missing.output, "/nothing: no such run directory or CSV log"), missing.output);

    const auto jpeg = testing::run_mlrun("plot " + dir.path.string() + " -o curves.jpg");
    BOOST_TEST(jpeg.exit_code == 2, jpeg.output);
    BOOST_TEST(contains(jpeg.output, "expected a file name ending in .png or .svg"), jpeg.output);

    const std::string bad = dir.write("bad.csv", "epoch,loss\n0,0.5\n1,oops\n");
    const auto broken = testing::run_mlrun("plot " + bad + " -o " + dir.path.string() + "/c.png");
    BOOST_TEST(broken.exit_code == 7, broken.output);
    BOOST_TEST(contains(broken.output, "bad.csv:3: loss: expected a number, found 'oops'"), broken.output);

    const auto no_run = testing::run_mlrun("plot");
    BOOST_TEST(no_run.exit_code == 2, no_run.output);
}
