# aether_library(NAME DIRS d... DEPS ... PRIVATE_DEPS ... TEST_DEPS ... TEST_PROPERTIES ...)
#   A static library `aether_NAME` from every *.cc (not *_test.cc) directly in DIRS, plus a
#   test executable `aether_NAME_test` from the *_test.cc files beside them, registered with CTest
#   (TEST_PROPERTIES: extra CTest properties of its tests, e.g. FIXTURES_REQUIRED, ENVIRONMENT).
include_guard(GLOBAL)

set(AETHER_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

function(aether_warnings target)
  target_compile_options(${target} PRIVATE ${AETHER_WARNINGS})
  if(AETHER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Test programs: the warnings, and -O1 instead of -O2 (their code is gtest and JSON templates,
# which take a third less time to compile at -O1; the code under test keeps its own flags).
function(aether_test_program target)
  aether_warnings(${target})
  target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo,Release>:-O1>)
endfunction()

function(aether_library name)
  cmake_parse_arguments(A "" "" "DIRS;DEPS;PRIVATE_DEPS;TEST_DEPS;TEST_PROPERTIES" ${ARGN})
  set(srcs)
  set(tests)
  foreach(dir ${A_DIRS})
    file(GLOB found CONFIGURE_DEPENDS ${dir}/*.cc)
    foreach(f ${found})
      if(f MATCHES "_test\\.cc$")
        list(APPEND tests ${f})
      else()
        list(APPEND srcs ${f})
      endif()
    endforeach()
  endforeach()
  if(NOT srcs)  # a module that is only headers so far
    add_library(aether_${name} INTERFACE)
    target_include_directories(aether_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(aether_${name} INTERFACE ${A_DEPS})
  else()
    add_library(aether_${name} STATIC ${srcs})
    target_include_directories(aether_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(aether_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
    aether_warnings(aether_${name})
  endif()
  if(AETHER_BUILD_TESTS AND tests)
    add_executable(aether_${name}_test ${tests})
    target_link_libraries(aether_${name}_test PRIVATE aether_${name} ${A_PRIVATE_DEPS}
      ${A_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    aether_test_program(aether_${name}_test)
    gtest_discover_tests(aether_${name}_test DISCOVERY_MODE PRE_TEST
      PROPERTIES LABELS unit TIMEOUT 120 ${A_TEST_PROPERTIES})
  endif()
endfunction()
