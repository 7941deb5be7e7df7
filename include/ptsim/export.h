/* SPDX-License-Identifier: MIT */
/*
 * export.h - symbol visibility and attribute macros for the public API.
 *
 * The library is built with hidden visibility by default; only declarations
 * marked PTSIM_API are exported from the shared object.
 */
#ifndef PTSIM_EXPORT_H
#define PTSIM_EXPORT_H

#if defined(PTSIM_BUILDING_LIBRARY) && defined(__GNUC__)
#define PTSIM_API __attribute__((visibility("default")))
#else
#define PTSIM_API
#endif

#if defined(__GNUC__)
/* A fallible call whose result must be looked at (Rust's #[must_use]). */
#define PTSIM_MUST_CHECK	__attribute__((warn_unused_result))
#define PTSIM_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PTSIM_MUST_CHECK
#define PTSIM_PRINTF(fmt, args)
#endif

#endif /* PTSIM_EXPORT_H */
