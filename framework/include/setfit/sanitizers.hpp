#pragma once

// Whether this translation unit is built with AddressSanitizer: GCC defines
// __SANITIZE_ADDRESS__, clang answers __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define SETFIT_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SETFIT_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef SETFIT_ADDRESS_SANITIZER
#define SETFIT_ADDRESS_SANITIZER 0
#endif

namespace setfit {
inline constexpr bool kAddressSanitizer = SETFIT_ADDRESS_SANITIZER != 0;
}  // namespace setfit
