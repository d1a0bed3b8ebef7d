# Compile-time and link-time settings for a 2-core machine, and the warning policy.

# ccache: a warm clean rebuild takes seconds instead of minutes. With the precompiled
# header it needs the sloppiness settings below or every TU misses the cache.
find_program(SETFIT_CCACHE ccache)
if(SETFIT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  # CCACHE_BASEDIR makes paths relative, so a fresh clone elsewhere still hits the cache.
  set(SETFIT_CCACHE_ENV "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}")
  if(SETFIT_TORCH_PCH)
    string(APPEND SETFIT_CCACHE_ENV
           ";CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime")
  endif()
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CMAKE_COMMAND};-E;env;${SETFIT_CCACHE_ENV};${SETFIT_CCACHE}")
  message(STATUS "setfit: compiling through ccache (${SETFIT_CCACHE})")
endif()

# lld links libtorch consumers about 4x faster than GNU ld.
find_program(SETFIT_LLD ld.lld)
if(SETFIT_LLD)
  add_link_options(-fuse-ld=lld)
endif()

# Every object is PIC so a single torch PCH serves executables, shared libraries and
# plugin modules alike (GCC refuses a PCH built with -fPIC in a -fPIE TU).
add_compile_options(-fPIC)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)

# Only what is marked SETFIT_API leaves a shared object.
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

# Boost.DLL on std::filesystem: only headers and libdl, no Boost.Filesystem.
add_compile_definitions(BOOST_DLL_USE_STD_FS)

set(SETFIT_WARNINGS -Wall -Wextra)
