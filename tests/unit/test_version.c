// SPDX-License-Identifier: MIT
/*
 * test_version.c - include/ptsim/version.h: the macros are the project's
 * version, the runtime calls return what the macros say, and the string has
 * the MAJOR.MINOR.PATCH form.
 */
#include <stdio.h>
#include <string.h>

#include "ptsim_test.h"

/* "N.N.N": decimal numbers without leading zeros, nothing else. */
static bool version_string_ok(const char *s)
{
	for (int part = 0; part < 3; part++) {
		const char *start = s;

		while (*s >= '0' && *s <= '9')
			s++;
		if (s == start || (*start == '0' && s - start > 1))
			return false;
		if (part < 2 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

static void test_macros_match_runtime(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(ptsim_version(), PTSIM_VERSION_STRING);
	assert_int_equal(ptsim_version_number(), PTSIM_VERSION_NUMBER);
	snprintf(buf, sizeof(buf), "%d.%d.%d", PTSIM_VERSION_MAJOR, PTSIM_VERSION_MINOR,
		 PTSIM_VERSION_PATCH);
	assert_string_equal(PTSIM_VERSION_STRING, buf);
	assert_int_equal(PTSIM_VERSION_NUMBER, PTSIM_VERSION_MAJOR * 10000 +
						       PTSIM_VERSION_MINOR * 100 +
						       PTSIM_VERSION_PATCH);
	assert_int_equal(
		PTSIM_VERSION_ENCODE(PTSIM_VERSION_MAJOR, PTSIM_VERSION_MINOR, PTSIM_VERSION_PATCH),
		PTSIM_VERSION_NUMBER);
	assert_true(PTSIM_VERSION_MINOR < 100 && PTSIM_VERSION_PATCH < 100);
	/* The same constant string every time. */
	assert_ptr_equal(ptsim_version(), ptsim_version());
}

/* The header is generated from the project's version (CMake's PROJECT_VERSION). */
static void test_project_version(void **state)
{
	(void)state;
	assert_string_equal(PTSIM_VERSION_STRING, PTSIM_TEST_PROJECT_VERSION);
}

static void test_string_format(void **state)
{
	(void)state;
	assert_true(version_string_ok(ptsim_version()));
	assert_true(version_string_ok("0.1.0"));
	assert_true(version_string_ok("10.20.30"));
	assert_false(version_string_ok(""));
	assert_false(version_string_ok("0.1"));
	assert_false(version_string_ok("0.1.0.1"));
	assert_false(version_string_ok("0.01.0"));
	assert_false(version_string_ok("0.1.0-rc1"));
	assert_false(version_string_ok("v0.1.0"));
	assert_false(version_string_ok("0..0"));
}

/* 0.1.0 is 100, 1.2.3 is 10203: one number compares as the versions do. */
static void test_encoding(void **state)
{
	(void)state;
	assert_int_equal(PTSIM_VERSION_ENCODE(0, 1, 0), 100);
	assert_int_equal(PTSIM_VERSION_ENCODE(1, 2, 3), 10203);
	assert_true(PTSIM_VERSION_ENCODE(0, 9, 99) < PTSIM_VERSION_ENCODE(0, 10, 0));
	assert_true(PTSIM_VERSION_ENCODE(0, 99, 99) < PTSIM_VERSION_ENCODE(1, 0, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros_match_runtime),
		cmocka_unit_test(test_project_version),
		cmocka_unit_test(test_string_format),
		cmocka_unit_test(test_encoding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
