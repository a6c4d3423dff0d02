# mlrun_layer(NAME AREAS area... SOURCES file... [LINK library...])
#
# One layer of the framework: the shared library mlrun_NAME (libmlrun_NAME.so),
# linking the layer declared before it PUBLIC and LINK PRIVATE. Declared
# bottom up, so the order of the calls is the order of the layers; each call
# also appends the layer to MLRUN_LAYER_TABLE, the one copy of that order the
# include check (tests/unit/layer_includes.cmake) reads.
#
# --no-undefined makes a reference to a symbol of a higher layer a link
# error instead of a library that resolves it only inside a program. Not
# with the sanitizers: clang leaves their runtime to the executable.
set(MLRUN_LAYER_TABLE ${PROJECT_BINARY_DIR}/framework/mlrun_layers.cmake)
file(WRITE ${MLRUN_LAYER_TABLE} "# The framework's layers, bottom up (framework/CMakeLists.txt).\n")
set_property(GLOBAL PROPERTY MLRUN_LAYER_TARGETS "")

function(mlrun_layer name)
  cmake_parse_arguments(ARG "" "" "AREAS;SOURCES;LINK" ${ARGN})
  set(target mlrun_${name})
  get_property(layers GLOBAL PROPERTY MLRUN_LAYER_TARGETS)
  add_library(${target} SHARED ${ARG_SOURCES})
  # src/ holds the internal headers (the YAML codecs): the build tree's
  # tools and tests see them, an installed package does not ship them.
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/src>
    $<INSTALL_INTERFACE:include>)
  if(layers)
    list(GET layers -1 below)
    target_link_libraries(${target} PUBLIC ${below})
  else()
    target_link_libraries(${target} PUBLIC Boost::headers Boost::filesystem)
  endif()
  # yaml-cpp stays private: the headers a program includes for the C++ API
  # (mlrun/keras.hpp) do not need it.
  target_link_libraries(${target} PRIVATE ${ARG_LINK})
  if(NOT MLRUN_SANITIZE AND NOT MLRUN_FUZZERS)
    target_link_options(${target} PRIVATE LINKER:--no-undefined)
  endif()
  # Installed, a layer finds the ones below it in its own directory: a
  # program's run path does not reach the libraries its libraries need.
  set_target_properties(${target} PROPERTIES OUTPUT_NAME mlrun_${name} EXPORT_NAME ${name}
    INSTALL_RPATH "$ORIGIN")
  set_property(GLOBAL APPEND PROPERTY MLRUN_LAYER_TARGETS ${target})
  file(APPEND ${MLRUN_LAYER_TABLE}
    "list(APPEND MLRUN_LAYERS ${name})\n"
    "set(MLRUN_LAYER_${name}_AREAS ${ARG_AREAS})\n"
    "set(MLRUN_LAYER_${name}_SOURCES ${ARG_SOURCES})\n")
endfunction()
