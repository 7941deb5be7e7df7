// SPDX-License-Identifier: MIT
/*
 * version.c - the library's own version (include/ptsim/version.h): the
 * macros as this library was compiled, so a program can compare them with
 * the headers it was compiled with.
 */
#include "ptsim/version.h"

const char *ptsim_version(void)
{
	return PTSIM_VERSION_STRING;
}

unsigned int ptsim_version_number(void)
{
	return PTSIM_VERSION_NUMBER;
}
