// SPDX-License-Identifier: MIT
/*
 * uffd_api.c - the public userfaultfd calls of include/ptsim/uffd.h.
 * Validates handles at the boundary and unwraps the address space for
 * src/mm/uffd.c.
 */
#include <errno.h>
#include <string.h>

#include "api/machine.h"

/* src/mm/uffd.c sets its messages; the net catches a failure that did not. */
#define UFFD_CALL(mm, fn, call)                                                                    \
	do {                                                                                       \
		uint64_t mark__ = (mm)->m->host.nr_errors;                                         \
		return (int)ptsim__api_ret(&(mm)->m->host, mark__, (call), fn);                    \
	} while (0)

int ptsim_uffdio_api(struct ptsim_mm *mm, uint64_t api, uint64_t *features)
{
	if (!mm)
		return -EINVAL;
	if (!features)
		return ptsim__seterr(&mm->m->host, -EINVAL, "uffdio_api: NULL features");
	UFFD_CALL(mm, "uffdio_api", ptsim__uffdio_api(&mm->vm, api, features));
}

int ptsim_uffd_close(struct ptsim_mm *mm)
{
	if (!mm)
		return -EINVAL;
	ptsim__uffd_close(&mm->vm);
	return 0;
}

uint64_t ptsim_uffd_features(const struct ptsim_mm *mm)
{
	return mm ? mm->vm.uffd.features : 0;
}

int ptsim_uffd_register(struct ptsim_mm *mm, uint64_t start, uint64_t len, unsigned int mode)
{
	if (!mm)
		return -EINVAL;
	UFFD_CALL(mm, "uffd_register", ptsim__uffd_register(&mm->vm, start, len, mode));
}

int ptsim_uffd_unregister(struct ptsim_mm *mm, uint64_t start, uint64_t len)
{
	if (!mm)
		return -EINVAL;
	UFFD_CALL(mm, "uffd_unregister", ptsim__uffd_unregister(&mm->vm, start, len));
}

int ptsim_uffd_read(struct ptsim_mm *mm, struct ptsim_uffd_msg *msg)
{
	if (!mm)
		return -EINVAL;
	if (!msg)
		return ptsim__seterr(&mm->m->host, -EINVAL, "uffd_read: NULL msg");
	if (ptsim__uffd_read(&mm->vm, msg))
		return ptsim__seterr(&mm->m->host, -EAGAIN, "uffd_read: no message queued");
	return 0;
}

uint64_t ptsim_uffd_nr_pending(const struct ptsim_mm *mm)
{
	return mm ? mm->vm.uffd.nr : 0;
}

int ptsim_uffdio_copy(struct ptsim_mm *mm, uint64_t dst, uint64_t len, unsigned int mode)
{
	if (!mm)
		return -EINVAL;
	ptsim__op_begin(mm->m);
	UFFD_CALL(mm, "uffdio_copy",
		  ptsim__op_end(mm->m, ptsim__uffdio_copy(&mm->vm, dst, len, mode, false)));
}

int ptsim_uffdio_zeropage(struct ptsim_mm *mm, uint64_t dst, uint64_t len)
{
	if (!mm)
		return -EINVAL;
	ptsim__op_begin(mm->m);
	UFFD_CALL(mm, "uffdio_zeropage",
		  ptsim__op_end(mm->m, ptsim__uffdio_copy(&mm->vm, dst, len, 0, true)));
}

int ptsim_uffdio_continue(struct ptsim_mm *mm, uint64_t dst, uint64_t len, unsigned int mode)
{
	if (!mm)
		return -EINVAL;
	UFFD_CALL(mm, "uffdio_continue", ptsim__uffdio_continue(&mm->vm, dst, len, mode));
}

int ptsim_uffdio_poison(struct ptsim_mm *mm, uint64_t dst, uint64_t len, unsigned int mode)
{
	if (!mm)
		return -EINVAL;
	ptsim__op_begin(mm->m);
	UFFD_CALL(mm, "uffdio_poison",
		  ptsim__op_end(mm->m, ptsim__uffdio_poison(&mm->vm, dst, len, mode)));
}

int ptsim_uffd_serve(struct ptsim_mm *mm, unsigned int cpu, uint64_t va, unsigned int access,
		     unsigned int max_rounds, struct ptsim_uffd_serve_result *out)
{
	uint64_t psz;
	int err;

	if (!mm)
		return -EINVAL;
	if (!out)
		return ptsim__seterr(&mm->m->host, -EINVAL, "uffd_serve: NULL out");
	memset(out, 0, sizeof(*out));
	if (!max_rounds)
		max_rounds = 16;
	psz = 1ull << mm->m->arch->page_shift;
	for (;;) {
		struct ptsim_uffd_msg msg;

		err = ptsim_access(mm, cpu, va, access, &out->access);
		if (err || !out->access.userfault_pending)
			return err;
		/* The monitor thread: every message queued, oldest first. */
		while (!(err = ptsim_uffd_read(mm, &msg))) {
			uint64_t page = msg.address & ~(psz - 1);

			if (msg.event != PTSIM_UFFD_EVENT_PAGEFAULT) {
				out->events++;
				continue;
			}
			if (out->rounds == max_rounds)
				return ptsim__seterr(&mm->m->host, -ELOOP,
						     "uffd_serve: 0x%llx still traps after %u "
						     "resolutions: a userfault loop",
						     (unsigned long long)va, max_rounds);
			out->rounds++;
			if (msg.flags & PTSIM_UFFD_PAGEFAULT_FLAG_WP) {
				err = ptsim_uffdio_writeprotect(mm, page, psz, 0);
				out->unprotected++;
			} else {
				err = ptsim_uffdio_copy(mm, page, psz, 0);
				if (err == -EEXIST)
					err = 0;
				out->copied++;
			}
			if (err)
				return err;
		}
		if (err != -EAGAIN)
			return err;
	}
}

int ptsim_uffdio_writeprotect(struct ptsim_mm *mm, uint64_t start, uint64_t len, unsigned int mode)
{
	if (!mm)
		return -EINVAL;
	UFFD_CALL(mm, "uffdio_writeprotect", ptsim__uffdio_writeprotect(&mm->vm, start, len, mode));
}
