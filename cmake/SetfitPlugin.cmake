# setfit_add_plugin(<target> KIND loss|head|sampler SOURCES <files...>)
#
# Builds a plugin module the way the loader expects: a shared object named
# setfit_<kind>_<target>.so, hidden visibility (only the SETFIT_PLUGIN entry points
# are exported), linked against setfit::plugin_sdk with no undefined symbols left.
# Inside this project the module lands in the built-in plugin directory; out of tree
# it lands in the caller's binary directory (put that on SETFIT_PLUGIN_PATH).
function(setfit_add_plugin target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "KIND;OUTPUT_DIRECTORY" "SOURCES")
  if(NOT ARG_KIND MATCHES "^(loss|head|sampler)$")
    message(FATAL_ERROR "setfit_add_plugin(${target}): KIND must be loss, head or sampler, got '${ARG_KIND}'")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "setfit_add_plugin(${target}): SOURCES is empty")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE setfit::plugin_sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "setfit_${ARG_KIND}_${target}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  elseif(DEFINED SETFIT_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${SETFIT_PLUGIN_OUTPUT_DIRECTORY}")
    set_property(GLOBAL APPEND PROPERTY SETFIT_BUILTIN_PLUGINS ${target})
  else()
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  endif()
  if(COMMAND setfit_use_torch_pch)
    setfit_use_torch_pch(${target})
  endif()
  if(DEFINED SETFIT_WARNINGS)
    target_compile_options(${target} PRIVATE ${SETFIT_WARNINGS})
  endif()
endfunction()
