#include "mlrun/train/progress_printer.hpp"

#include <cmath>
#include <cstdio>

namespace mlrun {
namespace {

constexpr int bar_width = 30;
// Redrawing more often than this only costs time on fast epochs.
constexpr std::chrono::milliseconds redraw_interval{100};

std::string fixed(double value, int decimals)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

}  // namespace

std::string format_step_time(double seconds)
{
    if (seconds >= 1.0) return fixed(seconds, 0) + "s/step";
    if (seconds >= 1e-3) return fixed(seconds * 1e3, 0) + "ms/step";
    return fixed(seconds * 1e6, 0) + "us/step";
}

std::string format_logs(const metric_logs& logs)
{
    std::string text;
    for (const auto& [name, value] : logs.values) {
        // As Keras prints: small values (a learning rate of 1e-4) in
        // scientific notation rather than as 0.0001 or 0.0000.
        text += " - " + name + ": ";
        if (std::fabs(value) > 1e-3 || value == 0.0) {
            text += fixed(value, 4);
        } else {
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%.4e", value);
            text += buffer;
        }
    }
    return text;
}

progress_printer::progress_printer(std::ostream& out, int verbose, int epochs, std::int64_t steps_per_epoch)
    : out_(out), verbose_(verbose), epochs_(epochs), steps_(steps_per_epoch)
{
}

void progress_printer::on_epoch_begin(trainer&, int epoch)
{
    epoch_start_ = clock::now();
    last_draw_ = epoch_start_ - redraw_interval;
    if (verbose_ == 1) out_ << "Epoch " << epoch + 1 << "/" << epochs_ << "\n" << std::flush;
    if (verbose_ == 2) out_ << "Epoch " << epoch + 1 << "/" << epochs_;
}

void progress_printer::draw_bar(std::int64_t done, const metric_logs& logs, bool final)
{
    const int filled = static_cast<int>(bar_width * done / std::max<std::int64_t>(steps_, 1));
    std::string bar(static_cast<std::size_t>(bar_width), '.');
    for (int i = 0; i < filled; ++i) bar[static_cast<std::size_t>(i)] = '=';
    if (!final && filled < bar_width) bar[static_cast<std::size_t>(filled)] = '>';
    const double elapsed = std::chrono::duration<double>(clock::now() - epoch_start_).count();
    const std::string counter = std::to_string(done) + "/" + std::to_string(steps_);
    const std::string pad(std::to_string(steps_).size() - std::to_string(done).size(), ' ');
    std::string timing;
    if (final) {
        timing = " - " + fixed(std::floor(elapsed), 0) + "s " + format_step_time(elapsed / static_cast<double>(done));
    } else {
        const double remaining = elapsed / static_cast<double>(done) * static_cast<double>(steps_ - done);
        timing = " - ETA: " + fixed(std::ceil(remaining), 0) + "s";
    }
    // \r and the clear-to-end escape redraw the line in place.
    out_ << "\r" << pad << counter << " [" << bar << "]" << timing << format_logs(logs) << "\x1b[K" << std::flush;
}

void progress_printer::on_batch_end(trainer&, std::int64_t batch, const metric_logs& logs)
{
    if (verbose_ != 1) return;
    const auto now = clock::now();
    if (batch + 1 < steps_ && now - last_draw_ < redraw_interval) return;
    last_draw_ = now;
    if (batch + 1 < steps_) draw_bar(batch + 1, logs, false);
}

void progress_printer::on_epoch_end(trainer&, int, const metric_logs& logs)
{
    if (verbose_ == 1) {
        draw_bar(steps_, logs, true);
        out_ << "\n" << std::flush;
    } else if (verbose_ == 2) {
        const double elapsed = std::chrono::duration<double>(clock::now() - epoch_start_).count();
        out_ << " - " << steps_ << "/" << steps_ << " - " << fixed(elapsed, 2) << "s "
             << format_step_time(elapsed / static_cast<double>(steps_)) << format_logs(logs) << "\n"
             << std::flush;
    }
}

}  // namespace mlrun
