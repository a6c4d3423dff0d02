# Two layers, the lower one including the higher: layer_includes.cmake must refuse it.
list(APPEND MLRUN_LAYERS low)
set(MLRUN_LAYER_low_AREAS low)
set(MLRUN_LAYER_low_SOURCES src/low/low.cpp)
list(APPEND MLRUN_LAYERS high)
set(MLRUN_LAYER_high_AREAS high)
set(MLRUN_LAYER_high_SOURCES src/high/high.cpp)
