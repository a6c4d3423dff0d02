# cmake -DLAYERS=<mlrun_layers.cmake> -DFRAMEWORK=<framework dir> -P layer_includes.cmake
#
# Fails when a file of the framework includes a header of a higher layer.
# The layers and their order come from LAYERS, written by mlrun_layer()
# (cmake/MlrunLayers.cmake) from framework/CMakeLists.txt. A source belongs
# to the layer that compiles it; a header to the layer compiling the source
# of its name (model/saved_model.hpp goes with src/model/saved_model.cpp),
# else to the layer of its area (the first directory under include/mlrun/
# or src/, or the file's own name at the top of include/mlrun/). src/interop/
# is a static library of its own, outside the layers, and is not checked.
if(NOT LAYERS OR NOT FRAMEWORK)
  message(FATAL_ERROR "usage: cmake -DLAYERS=mlrun_layers.cmake -DFRAMEWORK=framework -P layer_includes.cmake")
endif()
include(${LAYERS})
get_filename_component(FRAMEWORK ${FRAMEWORK} ABSOLUTE)

set(index 0)
foreach(layer IN LISTS MLRUN_LAYERS)
  foreach(area IN LISTS MLRUN_LAYER_${layer}_AREAS)
    set(area_layer_${area} ${index})
  endforeach()
  foreach(source IN LISTS MLRUN_LAYER_${layer}_SOURCES)
    string(REGEX REPLACE "^src/(.*)\\.[a-z]+$" "\\1" stem ${source})
    set(stem_layer_${stem} ${index})
  endforeach()
  math(EXPR index "${index} + 1")
endforeach()

# The layer index of `path` (relative to FRAMEWORK) in `out`, empty if none.
function(layer_of path out)
  string(REGEX REPLACE "^(include/mlrun|src)/" "" unit ${path})
  string(REGEX REPLACE "\\.[a-z]+$" "" stem ${unit})
  string(REGEX REPLACE "/.*" "" area ${unit})
  if(DEFINED stem_layer_${stem})
    set(${out} ${stem_layer_${stem}} PARENT_SCOPE)
  elseif(DEFINED area_layer_${area})
    set(${out} ${area_layer_${area}} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

file(GLOB_RECURSE files RELATIVE ${FRAMEWORK}
  ${FRAMEWORK}/include/mlrun/*.hpp ${FRAMEWORK}/include/mlrun/*.h
  ${FRAMEWORK}/src/*.hpp ${FRAMEWORK}/src/*.h ${FRAMEWORK}/src/*.cpp)
list(FILTER files EXCLUDE REGEX "^src/interop/")
list(SORT files)

set(problems "")
set(checked 0)
foreach(file IN LISTS files)
  layer_of(${file} own)
  if(own STREQUAL "")
    string(APPEND problems "\n  ${file}: in no layer (add its area to a layer's AREAS)")
    continue()
  endif()
  list(GET MLRUN_LAYERS ${own} own_name)
  file(STRINGS ${FRAMEWORK}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" header "${line}")
    if(header MATCHES "^mlrun/")
      set(path include/${header})
    else()
      set(path src/${header})
    endif()
    if(NOT EXISTS ${FRAMEWORK}/${path})
      continue()  # a generated header (tensorboard_event.pb.h) or one of another tree
    endif()
    layer_of(${path} theirs)
    if(NOT theirs STREQUAL "" AND theirs GREATER own)
      list(GET MLRUN_LAYERS ${theirs} their_name)
      string(APPEND problems "\n  ${file} (layer ${own_name}) includes ${header} (layer ${their_name})")
    endif()
  endforeach()
  math(EXPR checked "${checked} + 1")
endforeach()

string(REPLACE ";" " < " order "${MLRUN_LAYERS}")
if(problems)
  message(FATAL_ERROR "a layer includes a higher one (order ${order}; framework/CMakeLists.txt):${problems}")
endif()
message(STATUS "${checked} files include only their own layer and lower ones (order ${order})")
