# The HTML report's charting library: Apache ECharts (Apache-2.0) from the npm registry,
# pinned by the tarball's integrity, unpacked once into the build tree and embedded in
# libsetfit, so a report opens with no network. Offline builds pass a downloaded tarball
# with -DSETFIT_ECHARTS_TARBALL=/path/to/echarts-5.6.0.tgz.
set(SETFIT_ECHARTS_VERSION 5.6.0)
# npm integrity sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRwOUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA==
# written in hex, the form CMake's file(SHA512) gives.
set(SETFIT_ECHARTS_SHA512
    a136d54ec5df2ae121c5fb47a8be71a6b80ba1cd24eee49c030b6bc8281617a84f6052d1c0e50788598718204a3f934f14d903568a4e89ec94a98187f056b790)
set(SETFIT_ECHARTS_TARBALL "" CACHE FILEPATH
    "echarts-${SETFIT_ECHARTS_VERSION}.tgz to use instead of fetching it with npm pack")

set(_echarts_dir "${PROJECT_BINARY_DIR}/third_party/echarts-${SETFIT_ECHARTS_VERSION}")
set(SETFIT_ECHARTS_JS "${_echarts_dir}/package/dist/echarts.min.js")
set(SETFIT_ECHARTS_LICENSE "${_echarts_dir}/package/LICENSE")

if(NOT EXISTS "${SETFIT_ECHARTS_JS}")
  file(MAKE_DIRECTORY "${_echarts_dir}")
  set(_tarball "${SETFIT_ECHARTS_TARBALL}")
  if(NOT _tarball)
    find_program(SETFIT_NPM npm)
    if(NOT SETFIT_NPM)
      message(FATAL_ERROR "npm is needed to fetch echarts@${SETFIT_ECHARTS_VERSION} for `setfit report` "
                          "(scripts/install-deps installs it), or pass -DSETFIT_ECHARTS_TARBALL=FILE")
    endif()
    message(STATUS "Fetching echarts@${SETFIT_ECHARTS_VERSION} from the npm registry")
    execute_process(COMMAND "${SETFIT_NPM}" pack "echarts@${SETFIT_ECHARTS_VERSION}" --silent
                            --pack-destination "${_echarts_dir}"
                    RESULT_VARIABLE _npm_result OUTPUT_QUIET ERROR_VARIABLE _npm_error)
    set(_tarball "${_echarts_dir}/echarts-${SETFIT_ECHARTS_VERSION}.tgz")
    if(NOT _npm_result EQUAL 0 OR NOT EXISTS "${_tarball}")
      message(FATAL_ERROR "npm pack echarts@${SETFIT_ECHARTS_VERSION} failed (${_npm_result}): "
                          "${_npm_error}\nIs the npm registry reachable? Offline, pass "
                          "-DSETFIT_ECHARTS_TARBALL=FILE")
    endif()
  endif()
  file(SHA512 "${_tarball}" _actual)
  if(NOT _actual STREQUAL SETFIT_ECHARTS_SHA512)
    message(FATAL_ERROR "${_tarball} has sha512 ${_actual}, but echarts@${SETFIT_ECHARTS_VERSION} "
                        "is pinned to ${SETFIT_ECHARTS_SHA512}: refusing it")
  endif()
  file(ARCHIVE_EXTRACT INPUT "${_tarball}" DESTINATION "${_echarts_dir}"
       PATTERNS package/dist/echarts.min.js package/LICENSE)
  # The library is inlined in a <script> element, which a "</script" inside would end.
  file(READ "${SETFIT_ECHARTS_JS}" _echarts_text)
  string(FIND "${_echarts_text}" "</script" _script_end)
  if(NOT _script_end EQUAL -1)
    file(REMOVE "${SETFIT_ECHARTS_JS}")
    message(FATAL_ERROR "echarts.min.js contains \"</script\" and cannot be inlined")
  endif()
endif()
