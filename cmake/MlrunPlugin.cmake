# mlrun_add_plugin(NAME SOURCES ...)
#
# Builds a runtime plugin: a MODULE library named libmlrun_<NAME>.so in the
# plugin directory, with hidden visibility and a version script so that the
# entry alias is its only exported symbol, and --no-undefined so it needs
# nothing from the host executable.
function(mlrun_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LINK" ${ARGN})
  set(target mlrun_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${MLRUN_PLUGIN_OUTPUT_DIRECTORY})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/framework/include)
  target_link_libraries(${target} PRIVATE Boost::headers ${ARG_LINK})
  target_link_options(${target} PRIVATE
    -Wl,--no-undefined
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin_exports.map)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/plugin_exports.map)
  install(TARGETS ${target} LIBRARY DESTINATION lib/mlrun/plugins)
endfunction()
