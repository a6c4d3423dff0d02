// mlrun's entry point: parse, dispatch, map errors to exit codes.
#include "commands.hpp"

int main(int argc, char** argv) { return mlrun::cli::main(argc, argv); }
