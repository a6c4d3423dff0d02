# mlrun_add_plugin(NAME SOURCES ... [LINK ...])
#
# Builds a runtime plugin: a MODULE library named libmlrun_<NAME>.so, with
# hidden visibility and a version script so that the entry alias is its
# only exported symbol, and --no-undefined so it needs nothing from the host
# executable. Used in this tree and, installed, by plugins built out of tree
# (find_package(mlrun) provides it); MLRUN_PLUGIN_OUTPUT_DIRECTORY, when
# set, is where the library is written.
set(MLRUN_PLUGIN_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/plugin_exports.map)

function(mlrun_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  set(target mlrun_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(MLRUN_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${MLRUN_PLUGIN_OUTPUT_DIRECTORY})
  endif()
  if(TARGET mlrun::plugin_sdk)
    target_link_libraries(${target} PRIVATE mlrun::plugin_sdk)
  else()
    target_link_libraries(${target} PRIVATE mlrun_plugin_sdk)
  endif()
  target_link_libraries(${target} PRIVATE ${ARG_LINK})
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,--version-script=${MLRUN_PLUGIN_EXPORTS_MAP})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${MLRUN_PLUGIN_EXPORTS_MAP})
  set_property(GLOBAL APPEND PROPERTY MLRUN_PLUGIN_TARGETS ${target})
endfunction()
