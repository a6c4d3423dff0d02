// Training curves as a picture, drawn by gnuplot: loss and accuracy per
// epoch, train and validation, and the learning rate when it was logged.
#pragma once

#include "mlrun/report/run_log.hpp"

#include <string>

namespace mlrun {

// True for the picture types plot_curves() writes: .png and .svg.
bool plottable_extension(const std::string& output);

// Writes `output` (.png or .svg) with one panel per quantity. Throws
// data_error when `log` has no loss to draw, io_error when gnuplot fails
// (with its message), and error(failure) when gnuplot is not installed.
void plot_curves(const run_log& log, const std::string& output, const std::string& title);

}  // namespace mlrun
