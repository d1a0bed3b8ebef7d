# One precompiled <torch/torch.h>, owned by an object library that carries nothing but
# torch's usage requirements: a consumer with fewer compile definitions than the owner
# would silently ignore the PCH.
if(SETFIT_TORCH_PCH)
  add_library(setfit_torch_pch OBJECT "${CMAKE_CURRENT_LIST_DIR}/torch_pch.cpp")
  target_link_libraries(setfit_torch_pch PUBLIC torch)
  target_compile_definitions(setfit_torch_pch PUBLIC BOOST_DLL_USE_STD_FS)
  target_precompile_headers(setfit_torch_pch PRIVATE <torch/torch.h>)
endif()

# setfit_use_torch_pch(<target>): reuse the shared PCH when it is enabled.
function(setfit_use_torch_pch target)
  if(SETFIT_TORCH_PCH)
    target_precompile_headers(${target} REUSE_FROM setfit_torch_pch)
  endif()
endfunction()
