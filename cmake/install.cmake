# Installs the native core as a CMake package (included by the top-level CMakeLists.txt when
# SR_INSTALL is ON; never under Emscripten):
#
#   <prefix>/include/session_rating/*.h                          the public headers
#   <prefix>/lib/libsession_rating_core.a                         the core library
#   <prefix>/bin/session-rating                                   the CLI (scenario runner, ...)
#   <prefix>/lib/cmake/session_rating/session_ratingConfig.cmake  + Version, Targets
#
# A native app then does:
#   find_package(session_rating 0.1 CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE session_rating::core)
# (session_rating::cli is the installed CLI, e.g. for add_test(... session_rating::cli test ...)).
# native-tests/consumer/ is such an app; ctest installs into a temporary prefix and builds it
# (Package.* tests in native-tests/CMakeLists.txt).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SR_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/session_rating CACHE STRING
    "Where session_ratingConfig.cmake is installed, relative to the prefix")

set_target_properties(session_rating_core PROPERTIES EXPORT_NAME core)
set_target_properties(session-rating PROPERTIES EXPORT_NAME cli)

install(TARGETS session_rating_core session-rating
  EXPORT session_ratingTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# context_trust.h belongs to session_rating_sign (OpenSSL; the CLI and the collector use it),
# which the package does not install: its header stays out too.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/session_rating
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "context_trust.h" EXCLUDE)
install(EXPORT session_ratingTargets
  NAMESPACE session_rating::
  DESTINATION ${SR_INSTALL_CMAKEDIR})

# Which dependencies the exported core needs at the consumer: whatever of nlohmann_json the
# core's link interface still names outside $<BUILD_INTERFACE:...> (PUBLIC when public headers
# include <nlohmann/json.hpp>; $<LINK_ONLY:...> when a static core links it PRIVATE). Decided
# from the target itself, so the package stays right whichever way core/CMakeLists.txt links it.
get_target_property(_sr_core_links session_rating_core INTERFACE_LINK_LIBRARIES)
if(NOT _sr_core_links)
  set(_sr_core_links "")
endif()
string(REGEX REPLACE "\\$<BUILD_INTERFACE:[^>]*>" "" _sr_core_links "${_sr_core_links}")
set(SR_PACKAGE_DEPENDENCIES "")
if(_sr_core_links MATCHES "nlohmann_json::nlohmann_json")
  string(APPEND SR_PACKAGE_DEPENDENCIES "find_dependency(nlohmann_json 3.11)\n")
endif()
string(REGEX REPLACE "nlohmann_json::nlohmann_json" "" _sr_other "${_sr_core_links}")
if(_sr_other MATCHES "::")
  # The Package.* tests would fail for the consumer; say why here already.
  message(WARNING "session_rating_core links an imported target this package does not "
                  "find for its consumers (${_sr_core_links}): add a find_dependency() "
                  "for it in cmake/install.cmake")
endif()

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/session_ratingConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/session_ratingConfig.cmake
  INSTALL_DESTINATION ${SR_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/session_ratingConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/session_ratingConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/session_ratingConfigVersion.cmake
  DESTINATION ${SR_INSTALL_CMAKEDIR})
