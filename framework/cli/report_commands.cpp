// mlrun plot RUN_DIR [-o curves.png|svg]: the loss and accuracy curves of a
// run, from its CSV log or its TensorBoard event files.
#include "commands.hpp"

#include "mlrun/core/error.hpp"
#include "mlrun/report/curve_plot.hpp"
#include "mlrun/report/run_log.hpp"

#include <boost/filesystem/operations.hpp>

#include <iostream>

namespace mlrun::cli {

int plot(const common_options& common, const std::vector<std::string>& args)
{
    if (args.size() != 1) {
        throw usage_error("'plot' needs one run directory (or CSV log): mlrun plot RUN_DIR -o curves.png");
    }
    const std::string& run = args[0];
    namespace fs = boost::filesystem;
    const fs::path run_path(run);
    const bool is_directory = fs::is_directory(run_path);
    // By default the picture goes next to the log it shows.
    const std::string output = !common.output.empty() ? common.output
                               : is_directory         ? (run_path / "curves.png").string()
                                                      : (run_path.parent_path() / "curves.png").string();
    if (!plottable_extension(output)) {
        throw usage_error("-o " + output + ": expected a file name ending in .png or .svg");
    }
    const run_log log = read_run(run);
    const std::string title = is_directory ? fs::absolute(run_path).lexically_normal().filename().string()
                                           : run_path.filename().string();
    plot_curves(log, output, title.empty() || title == "." ? log.source : title);
    std::cout << "Wrote " << output << " (" << log.epochs.size() << (log.epochs.size() == 1 ? " epoch" : " epochs")
              << " from " << log.source << ")\n";
    return 0;
}

}  // namespace mlrun::cli
