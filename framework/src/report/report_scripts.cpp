// Embeds the report's scripts with the assembler's .incbin, so the library needs no data
// files at run time and the build compiles no megabyte-long array literal. The paths come
// from the build (SETFIT_ECHARTS_JS_PATH, SETFIT_REPORT_JS_PATH); the symbols are hidden.
#include "report_scripts.hpp"

// clang-format off
#define SETFIT_EMBED(name, path)                  \
  __asm__(".section .rodata\n"                    \
          ".globl " #name "_begin\n"              \
          ".hidden " #name "_begin\n"             \
          ".globl " #name "_end\n"                \
          ".hidden " #name "_end\n"               \
          #name "_begin:\n"                       \
          ".incbin \"" path "\"\n"                \
          #name "_end:\n"                         \
          ".byte 0\n"                             \
          ".previous\n")
// clang-format on

SETFIT_EMBED(setfit_echarts_js, SETFIT_ECHARTS_JS_PATH);
SETFIT_EMBED(setfit_report_js, SETFIT_REPORT_JS_PATH);

extern "C" const char setfit_echarts_js_begin[], setfit_echarts_js_end[];
extern "C" const char setfit_report_js_begin[], setfit_report_js_end[];

namespace setfit::detail {

std::string_view echarts_script() {
  return {setfit_echarts_js_begin,
          static_cast<std::size_t>(setfit_echarts_js_end - setfit_echarts_js_begin)};
}

std::string_view report_script() {
  return {setfit_report_js_begin,
          static_cast<std::size_t>(setfit_report_js_end - setfit_report_js_begin)};
}

}  // namespace setfit::detail
