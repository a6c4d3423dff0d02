// mlrun's version: bumped by hand with each release.
#pragma once

#define MLRUN_VERSION "0.1.0"
