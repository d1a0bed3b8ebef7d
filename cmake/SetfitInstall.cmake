# Installs the CLI, libsetfit, the built-in plugins and the plugin SDK as a CMake
# package: find_package(setfit) gives setfit::plugin_sdk, setfit_add_plugin() and, where
# GoogleTest is installed, setfit::conformance.
include(CMakePackageConfigHelpers)

set(SETFIT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/setfit")

install(TARGETS setfit_cli setfit_engine RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS setfit_sentencepiece LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/setfit)
install(TARGETS setfit_sdk setfit_core EXPORT setfitTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/framework/include/setfit"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp"
        PATTERN "assets.hpp" EXCLUDE)  # the CLI's layer, not installed
install(FILES "${PROJECT_BINARY_DIR}/generated/include/setfit/version.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/setfit")
install(EXPORT setfitTargets NAMESPACE setfit:: DESTINATION ${SETFIT_CMAKE_DIR})
# setfit::conformance in an export set of its own: it needs GoogleTest, which only plugin
# test suites do.
install(TARGETS setfit_conformance EXPORT setfitConformanceTargets)
install(EXPORT setfitConformanceTargets NAMESPACE setfit:: DESTINATION ${SETFIT_CMAKE_DIR})

configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/setfitConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/setfitConfig.cmake"
                              INSTALL_DESTINATION ${SETFIT_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/setfitConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/setfitConfig.cmake"
              "${PROJECT_BINARY_DIR}/setfitConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/SetfitPlugin.cmake"
        DESTINATION ${SETFIT_CMAKE_DIR})

# libsetfit embeds Apache ECharts (for `setfit report`); its license travels with it.
install(FILES "${SETFIT_ECHARTS_LICENSE}" DESTINATION "${CMAKE_INSTALL_DOCDIR}"
        RENAME LICENSE.echarts)
