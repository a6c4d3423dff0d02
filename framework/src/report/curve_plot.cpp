#include "mlrun/report/curve_plot.hpp"

#include "mlrun/core/atomic_file.hpp"
#include "mlrun/core/error.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/filesystem/operations.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

extern char** environ;

namespace mlrun {
namespace {

namespace fs = boost::filesystem;

// A gnuplot single-quoted string: no escapes inside, '' is a quote.
std::string quoted(const std::string& text)
{
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string extension_of(const std::string& path) { return fs::path(path).extension().string(); }

// One panel: a quantity and, when logged, its validation twin.
struct panel {
    std::string title;
    std::string train;       // column name
    std::string validation;  // "" when not logged
    bool log_scale = false;
    std::string key_position;
};

std::string first_accuracy(const run_log& log)
{
    for (const std::string& n : log.names) {
        if (n.compare(0, 4, "val_") != 0 && n.find("acc") != std::string::npos) return n;
    }
    return "";
}

// A rate that spans more than a factor of 20 (a long decay) reads best on
// a log axis; a gentler one on a linear axis.
bool wants_log_scale(const std::vector<double>& values)
{
    double low = HUGE_VAL;
    double high = 0.0;
    for (double v : values) {
        if (std::isnan(v)) continue;
        if (v <= 0.0) return false;
        low = std::min(low, v);
        high = std::max(high, v);
    }
    return high > 20.0 * low;
}

std::vector<panel> panels_of(const run_log& log)
{
    std::vector<panel> panels;
    auto twin = [&](const std::string& n) { return log.has("val_" + n) ? "val_" + n : std::string(); };
    panels.push_back({"Loss", "loss", twin("loss"), false, "top right"});
    const std::string accuracy = first_accuracy(log);
    if (!accuracy.empty()) panels.push_back({"Accuracy", accuracy, twin(accuracy), false, "bottom right"});
    if (log.has("lr")) panels.push_back({"Learning rate", "lr", "", wants_log_scale(log.values.at("lr")), "top right"});
    return panels;
}

void write_data(const run_log& log, const std::vector<std::string>& columns, const fs::path& file)
{
    std::ofstream out(file.string());
    out << "# epoch";
    for (const std::string& c : columns) out << " " << c;
    out << "\n";
    char buffer[64];
    for (std::size_t row = 0; row < log.epochs.size(); ++row) {
        out << log.epochs[row] + 1;  // 1-based, as the progress line counts epochs
        for (const std::string& c : columns) {
            const double v = log.values.at(c)[row];
            std::snprintf(buffer, sizeof buffer, "%.9g", v);
            out << " " << (std::isnan(v) ? "NaN" : buffer);
        }
        out << "\n";
    }
    if (!out) throw io_error(file.string() + ": cannot write the plot data");
}

std::string script(const run_log& log, const std::vector<panel>& panels, const std::vector<std::string>& columns,
                   const fs::path& data, const std::string& output, const std::string& title)
{
    auto column_of = [&](const std::string& name) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (columns[i] == name) return i + 2;  // column 1 is the epoch
        }
        return std::size_t{0};
    };
    const bool svg = extension_of(output) == ".svg";
    const int width = 480 * static_cast<int>(panels.size()) + 80;
    std::ostringstream s;
    s << (svg ? "set terminal svg" : "set terminal pngcairo") << " size " << width
      << ",460 noenhanced font 'Sans,11'" << (svg ? " background '#ffffff'" : "") << "\n"
      << "set output " << quoted(output) << "\n"
      << "set datafile missing 'NaN'\n"
      << "set grid lc rgb '#d0d0d0'\n"
      << "set border lc rgb '#606060'\n"
      << "set xlabel 'epoch'\n"
      << "set key box opaque\n"
      << "set style line 1 lc rgb '#1f77b4' lw 2 pt 7 ps 0.7\n"
      << "set style line 2 lc rgb '#d62728' lw 2 pt 5 ps 0.7\n"
      << "set style line 3 lc rgb '#2ca02c' lw 2 pt 9 ps 0.7\n";
    const int last_epoch = log.epochs.empty() ? 1 : log.epochs.back() + 1;
    const int first_epoch = log.epochs.empty() ? 1 : log.epochs.front() + 1;
    s << "set xrange [" << first_epoch - 0.5 << ":" << last_epoch + 0.5 << "]\n";
    // Whole epochs only; at most about 12 ticks.
    s << "set xtics " << std::max(1, (last_epoch - first_epoch + 12) / 12) << "\n";
    s << "set multiplot layout 1," << panels.size() << " title " << quoted(title) << "\n";
    for (const panel& p : panels) {
        s << "set title " << quoted(p.title) << "\n"
          << "set key " << p.key_position << "\n"
          << (p.log_scale ? "set logscale y\n" : "unset logscale y\n");
        const bool rate = p.train == "lr";
        // Rates are small numbers: 1.0e-03 reads better than 0.001.
        s << "set format y " << (rate ? "'%.1e'" : "'%g'") << "\n";
        if (rate) s << "set key off\n";
        s << "plot " << quoted(data.string()) << " using 1:" << column_of(p.train) << " with linespoints ls "
          << (rate ? 3 : 1) << " title " << quoted(rate ? "learning rate" : "train " + p.train);
        if (!p.validation.empty()) {
            s << ", '' using 1:" << column_of(p.validation) << " with linespoints ls 2 title "
              << quoted("validation " + p.train);
        }
        s << "\n";
    }
    s << "unset multiplot\n";
    return s.str();
}

std::string read_text(const fs::path& file)
{
    std::ifstream in(file.string(), std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `gnuplot script`, its output and errors into `log_file`; returns its
// exit status, or throws when it cannot be started.
int run_gnuplot(const fs::path& script_file, const fs::path& log_file)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::string program = "gnuplot";
    std::string argument = script_file.string();
    char* argv[] = {program.data(), argument.data(), nullptr};
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned == ENOENT) {
        throw error(exit_code::failure,
                    "gnuplot not found on PATH; install it (Debian: gnuplot-nox, listed in scripts/install_deps.sh)");
    }
    if (spawned != 0) throw error(exit_code::failure, std::string("cannot start gnuplot: ") + std::strerror(spawned));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw error(exit_code::failure, std::string("waiting for gnuplot: ") + std::strerror(errno));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A scratch directory removed on every way out.
struct scratch_directory {
    fs::path path = fs::temp_directory_path() / fs::unique_path("mlrun-plot-%%%%%%%%");
    scratch_directory() { fs::create_directories(path); }
    ~scratch_directory()
    {
        boost::system::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

}  // namespace

bool plottable_extension(const std::string& output)
{
    const std::string ext = extension_of(output);
    return ext == ".png" || ext == ".svg";
}

void plot_curves(const run_log& log, const std::string& output, const std::string& title)
{
    if (!plottable_extension(output)) {
        throw usage_error(output + ": expected a .png or .svg file name, found '" + extension_of(output) + "'");
    }
    if (!log.has("loss")) throw data_error(log.source + ": expected a 'loss' column to plot, found none");
    const std::vector<panel> panels = panels_of(log);
    std::vector<std::string> columns;
    for (const panel& p : panels) {
        columns.push_back(p.train);
        if (!p.validation.empty()) columns.push_back(p.validation);
    }
    const fs::path target = fs::absolute(output);
    if (target.has_parent_path() && !fs::is_directory(target.parent_path())) {
        throw io_error(output + ": the directory " + target.parent_path().string() + " does not exist");
    }
    scratch_directory scratch;
    const fs::path data = scratch.path / "curves.dat";
    const fs::path script_file = scratch.path / "curves.gp";
    const fs::path log_file = scratch.path / "gnuplot.log";
    write_data(log, columns, data);
    // gnuplot writes into the scratch directory (the extension picks its
    // terminal) and mlrun copies the finished picture over the target: a
    // full disk there is mlrun's own write error, and gnuplot, which does
    // not report one, never leaves half a picture in place.
    const fs::path picture = scratch.path / ("curves" + target.extension().string());
    std::ofstream(script_file.string()) << script(log, panels, columns, data, picture.string(), title);
    const int status = run_gnuplot(script_file, log_file);
    if (status != 0) {
        throw io_error(output + ": gnuplot failed (exit " + std::to_string(status) + "): " + read_text(log_file));
    }
    boost::system::error_code ec;
    if (!fs::exists(picture, ec) || fs::file_size(picture, ec) == 0) {
        throw io_error(output + ": gnuplot wrote nothing (" + scratch.path.string() + " full?): " + read_text(log_file));
    }
    write_file_atomically(target.string(), read_text(picture));
}

}  // namespace mlrun
