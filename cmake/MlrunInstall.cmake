# `cmake --install`: headers, the framework library and tool, the built-in
# plugins, and a CMake package plus a pkg-config file for building plugins
# and programs against mlrun.
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/mlrun DESTINATION include)
# The layers of libmlrun (framework/CMakeLists.txt) and mlrun::framework, linking them.
get_property(mlrun_layers GLOBAL PROPERTY MLRUN_LAYER_TARGETS)
install(TARGETS ${mlrun_layers} mlrun_framework mlrun_plugin_sdk EXPORT mlrunTargets
  RUNTIME DESTINATION bin
  LIBRARY DESTINATION lib
  INCLUDES DESTINATION include)
install(TARGETS mlrun mlrun_plugin_probe RUNTIME DESTINATION bin)
install(EXPORT mlrunTargets NAMESPACE mlrun:: DESTINATION lib/cmake/mlrun)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mlrunConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mlrunConfig.cmake INSTALL_DESTINATION lib/cmake/mlrun)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mlrunConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/mlrunConfig.cmake
  ${PROJECT_BINARY_DIR}/mlrunConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/MlrunPlugin.cmake
  ${PROJECT_SOURCE_DIR}/cmake/plugin_exports.map
  DESTINATION lib/cmake/mlrun)

# -lmlrun (the top layer) first, then each layer below it.
set(MLRUN_PKG_LIBS "")
foreach(layer IN LISTS mlrun_layers)
  get_target_property(name ${layer} OUTPUT_NAME)
  set(MLRUN_PKG_LIBS "-l${name} ${MLRUN_PKG_LIBS}")
endforeach()
string(STRIP "${MLRUN_PKG_LIBS}" MLRUN_PKG_LIBS)
configure_file(${PROJECT_SOURCE_DIR}/cmake/mlrun.pc.in ${PROJECT_BINARY_DIR}/mlrun.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mlrun.pc DESTINATION lib/pkgconfig)

# Every in-tree plugin goes next to the installed tool.
get_property(plugins GLOBAL PROPERTY MLRUN_PLUGIN_TARGETS)
install(TARGETS ${plugins} LIBRARY DESTINATION lib/mlrun/plugins)
# The hdf5 plugin's reading helper, where the plugin looks for it (isolated_read.hpp).
install(TARGETS mlrun_hdf5_probe RUNTIME DESTINATION libexec/mlrun)
