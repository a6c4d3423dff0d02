// mlrun-plugin-probe PLUGIN_FILE: loads one plugin in a process of its own
// and reports on fd 3, so that a plugin that crashes, aborts, exits or
// hangs while loading takes only this process down (probe_plugin).
#include "mlrun/plugin/plugin_loader.hpp"

#include <cstdio>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: mlrun-plugin-probe PLUGIN_FILE (run by mlrun; reports on fd 3)\n");
        return 2;
    }
    return mlrun::report_plugin_probe(argv[1], 3);
}
