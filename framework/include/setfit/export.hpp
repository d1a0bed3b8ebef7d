#pragma once

// Symbol visibility for libsetfit. Everything is hidden by default; classes whose
// typeinfo or vtable crosses the plugin boundary (interfaces, exceptions) must be
// exported so that exactly one copy exists, owned by libsetfit.
#define SETFIT_API __attribute__((visibility("default")))
