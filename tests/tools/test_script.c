// SPDX-License-Identifier: MIT
/*
 * test_script.c - the scenario interpreter: values, errors that name the
 * file and line, every `expect` form failing when its assertion is false
 * (a self-checking script is only as good as its failures), state kept
 * consistent after an error, and the allocation-failure sweep.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ptsim_test.h"
#include "script.h"
#include "sweep.h"

struct env {
	struct pts_runner *r;
	FILE *out;
	char *text;
	size_t len;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct pts_options o = {0};

	assert_non_null(e);
	e->out = open_memstream(&e->text, &e->len);
	assert_non_null(e->out);
	o.out = e->out;
	o.no_render = true;
	assert_int_equal(pts_runner_create(&o, &e->r), 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	pts_runner_destroy(e->r);
	fclose(e->out);
	free(e->text);
	free(e);
	return 0;
}

static int run(struct env *e, const char *script)
{
	return pts_run_buffer(e->r, "t.pts", script, strlen(script));
}

static const char prologue[] = "machine x86_64-4l phys=1G ncpus=2\n"
			       "mm p\n"
			       "mmap buf 16K rw- private anon\n"
			       "write buf 8K\n";

static void test_values(void **state)
{
	struct env *e = *state;

	assert_int_equal(run(e, "set a 0x10+4K*2\n"
				"expect value a == 8208\n"
				"set b (a-16)*2\n"
				"expect value b == 16K\n"
				"expect value 1T == 1024*1G\n"
				"expect value page == 4096\n"),
			 0);
	/* Overflow, negative results, junk and unknown names are errors. */
	assert_int_equal(run(e, "set x 0xffffffffffffffff+1\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "t.pts:1:"));
	assert_int_equal(run(e, "set x 1-2\n"), -EINVAL);
	assert_int_equal(run(e, "set x 12q\n"), -EINVAL);
	assert_int_equal(run(e, "set x nosuch+1\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "nosuch"));
	assert_int_equal(run(e, "set x 99999999999999999999\n"), -EINVAL);
	assert_int_equal(run(e, "set x ((((((((((((((((((1))))))))))))))))))\n"), -EINVAL);
	assert_int_equal(run(e, "set 9x 1\n"), -EINVAL);
}

/*
 * A command that fails in the tool itself (here: writing the picture) does
 * not quote the machine's message, which an earlier command's failure set.
 */
static void test_no_stale_library_message(void **state)
{
	struct env *e = *state;
	char link[64], line[96];

	assert_int_equal(run(e, prologue), 0);
	assert_int_equal(run(e, "munmap 1 1\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "munmap"));
	assert_string_not_equal(ptsim_errmsg(pts_machine(e->r)), "");
	/* A .dot name for /dev/full: opening works, writing fails (ENOSPC). */
	snprintf(link, sizeof(link), "/tmp/ptsim-test-full-%d.dot", (int)getpid());
	(void)unlink(link);
	if (symlink("/dev/full", link)) {
		skip();
		return;
	}
	snprintf(line, sizeof(line), "dot %s\n", link);
	assert_int_equal(run(e, line), -EIO);
	(void)unlink(link);
	assert_null(strstr(pts_error(e->r), ptsim_errmsg(pts_machine(e->r))));
	assert_non_null(strstr(pts_error(e->r), "dot: EIO"));
}

static void test_errors_name_file_and_line(void **state)
{
	struct env *e = *state;

	assert_int_equal(run(e, "# a comment\n\nmachine x86_64-4l\nfrobnicate\nmm never\n"),
			 -EINVAL);
	assert_string_equal(pts_error(e->r),
			    "t.pts:4: unknown command \"frobnicate\" (try `help`)");
	/* Execution stopped at line 4: line 5 never ran. */
	assert_int_equal(run(e, "expect error ENOENT use never\n"), 0);
	assert_int_equal(run(e, "machine no-such-arch\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "t.pts:1: unknown configuration"));
	assert_int_equal(run(e, "machine x86_64-4l ncpus=zero\n"), -EINVAL);
	/* A configuration the library refuses: the reason names the key and the rule. */
	assert_int_equal(run(e, "machine x86_64-4l phys=1G,phys_limit=512M\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "t.pts:1: machine: config: phys_limit=0x20000000 "
						"is below the end of memory"));
	assert_int_equal(run(e, "mm p\n"), 0);
	assert_int_equal(run(e, "mmap\n"), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "usage: mmap"));
	assert_int_equal(run(e, "say \"unterminated\n"), -EINVAL);
	assert_int_equal(pts_run_buffer(e->r, "nul.pts", "mm q\0x\n", 7), -EINVAL);
	assert_non_null(strstr(pts_error(e->r), "nul.pts:1: NUL"));
	assert_int_equal(pts_run_file(e->r, "/nonexistent/x.pts"), -ENOENT);
	/* Commands before a machine exists say what to do. */
	{
		struct pts_runner *r;

		assert_int_equal(pts_runner_create(NULL, &r), 0);
		assert_int_equal(pts_exec_line(r, "x", 3, "mm a"), -EINVAL);
		assert_non_null(strstr(pts_error(r), "x:3: mm: no machine yet"));
		pts_runner_destroy(r);
	}
}

/* Each expectation holds in the first script and is false in the second. */
static void test_expect_forms_fail_when_false(void **state)
{
	static const struct {
		const char *holds, *fails;
	} cases[] = {
		{"expect translate buf -> pa0", "expect translate buf -> pa0+4K"},
		{"expect translate buf+8K hole level pte", "expect translate buf hole"},
		{"expect translate buf -> pa0 level pte size 4K",
		 "expect translate buf -> pa0 level pmd"},
		{"expect entry buf present write dirty !special", "expect entry buf !dirty"},
		{"expect entry buf == e0", "expect entry buf == e0+1"},
		{"expect entry buf pfn f0", "expect entry buf pfn f0+1"},
		{"expect stat rss.anon == 2", "expect stat rss.anon != 2"},
		{"expect stat vmpte >= 12K", "expect stat vmpte < 12K"},
		{"expect signal none", "expect signal SIGSEGV"},
		{"expect faults 1", "expect faults 0"},
		{"expect fault !SIGBUS", "expect fault SIGBUS"},
		{"expect check clean", "expect check MAPCOUNT"},
		{"expect error EINVAL munmap buf+1 4K", "expect error ENOMEM munmap buf+1 4K"},
		{"expect pagemap buf present exclusive !file", "expect pagemap buf file"},
		{"expect vma buf rw-p buf buf+16K", "expect vma buf r--p"},
		{"expect vma buf+16K none", "expect vma buf none"},
		{"expect uffd none", "expect uffd buf read"},
		{"expect value 2 < 3", "expect value 3 < 2"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int bad = 0; bad < 2; bad++) {
			struct env *e;
			char script[1024];
			int err;

			setup((void **)&e);
			snprintf(script, sizeof(script),
				 "%sset pa0 pa buf\nset e0 entry buf\nset f0 pfn buf\n%s\n",
				 prologue, bad ? cases[i].fails : cases[i].holds);
			err = run(e, script);
			if (bad) {
				assert_int_equal(err, -EDOM);
				assert_non_null(
					strstr(pts_error(e->r), "t.pts:8: expectation failed"));
			} else if (err) {
				fail_msg("case %zu: %s", i, pts_error(e->r));
			}
			assert_machine_clean(pts_machine(e->r));
			teardown((void **)&e);
		}
	}
}

static void test_expect_signal_and_fault(void **state)
{
	struct env *e = *state;

	assert_int_equal(run(e, prologue), 0);
	assert_int_equal(run(e, "read buf+16K\n"
				"expect signal SIGSEGV MAPERR\n"
				"expect fault none\n"
				"mprotect buf 4K r--\n"
				"write buf\n"
				"expect signal SIGSEGV ACCERR\n"),
			 0);
	assert_int_equal(run(e, "expect signal SIGSEGV MAPERR\n"), -EDOM);
	assert_int_equal(run(e, "expect signal SIGBUS\n"), -EDOM);
	assert_int_equal(run(e, "expect fault NOSUCH\n"), -EINVAL);
	assert_int_equal(run(e, "expect check NOSUCH\n"), -EINVAL);
	assert_int_equal(run(e, "expect entry buf nosuchbit\n"), -EINVAL);
	assert_int_equal(run(e, "expect stat no.such == 1\n"), -EINVAL);
	assert_int_equal(run(e, "stats vmpte no.such\n"), -EINVAL);
	assert_int_equal(run(e, "expect error EINVAL expect check clean\n"), -EINVAL);
	assert_machine_clean(pts_machine(e->r));
}

/* After a failed command the runner and the model are as before it. */
static void test_failed_commands_change_nothing(void **state)
{
	struct env *e = *state;
	char *before, *after;
	size_t n;

	assert_int_equal(run(e, prologue), 0);
	fflush(e->out);
	n = e->len;
	assert_int_equal(run(e, "vmas\nptdump\n"), 0);
	fflush(e->out);
	before = strndup(e->text + n, e->len - n);
	assert_int_equal(run(e, "mprotect buf 32K r--\n"), -ENOMEM);
	assert_int_equal(run(e, "mmap buf 4K rw- private anon noreplace at buf\n"), -EEXIST);
	assert_int_equal(run(e, "fork p\n"), -EEXIST);
	assert_int_equal(run(e, "knob tlb.pte=3/2\n"), -EINVAL);
	assert_int_equal(run(e, "cpu 2\n"), -EINVAL);
	fflush(e->out);
	n = e->len;
	assert_int_equal(run(e, "vmas\nptdump\n"), 0);
	fflush(e->out);
	after = strndup(e->text + n, e->len - n);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_machine_clean(pts_machine(e->r));
}

static void test_outputs(void **state)
{
	struct env *e = *state;

	assert_int_equal(run(e, prologue), 0);
	assert_int_equal(run(e, "translate buf\npagemap buf 2*page\nvmas\nstats\nknobs\ncheck\n"
				"stats rss.anon faults.anon\n"
				"print page\nsay hello there\nhelp mmap\n"),
			 0);
	fflush(e->out);
	assert_non_null(strstr(e->text, "via pte entry 0x80000000"));
	assert_non_null(strstr(e->text, " present exclusive soft_dirty pfn 0x"));
	assert_non_null(strstr(e->text, " rw-p 00000000 [anon]"));
	assert_non_null(strstr(e->text, "\"arch\": \"x86_64-4l\""));
	assert_non_null(strstr(e->text, "tlb.pte=64/4"));
	assert_non_null(strstr(e->text, "{\"rss.anon\": 2, \"faults.anon\": 2}\n"));
	assert_non_null(strstr(e->text, "check: clean"));
	assert_non_null(strstr(e->text, "page = 0x1000 (4096)"));
	assert_non_null(strstr(e->text, "hello there\n"));
	assert_non_null(strstr(e->text, "mmap NAME LEN PROT"));
}

/* tlb CPU: one CPU's TLB and walk-cache entries, through ptsim_tlb_entries(). */
static void test_tlb_command(void **state)
{
	struct env *e = *state;

	assert_int_equal(run(e, prologue), 0);
	assert_int_equal(run(e, "tlb 0\ncpu 1\ntlb\n"), 0);
	fflush(e->out);
	assert_string_equal(
		e->text,
		"cpu 0: 2 TLB entries, 3 walk-cache entries\n"
		"  tlb  pte   4K asid 1 (p) 0x7ffff7ffb000 -> pa 0x5000 entry 0x8000000000005867 "
		"[valid present leaf user write hw_write dirty hw_dirty young soft_dirty] set 11 "
		"way 0\n"
		"  tlb  pte   4K asid 1 (p) 0x7ffff7ffc000 -> pa 0x6000 entry 0x8000000000006867 "
		"[valid present leaf user write hw_write dirty hw_dirty young soft_dirty] set 12 "
		"way 0\n"
		"  walk pmd   2M asid 1 (p) 0x7ffff7e00000 -> table pfn 0x4 entry "
		"0x0000000000004067 "
		"set 0 way 0\n"
		"  walk pud   1G asid 1 (p) 0x7fffc0000000 -> table pfn 0x3 entry "
		"0x0000000000003067 "
		"set 0 way 0\n"
		"  walk p4d 512G asid 1 (p) 0x7f8000000000 -> table pfn 0x2 entry "
		"0x0000000000002067 set 0 way 0\n"
		"cpu 1: 0 TLB entries, 0 walk-cache entries\n");
	assert_int_equal(run(e, "tlb 2\n"), -EINVAL);
	assert_string_equal(pts_error(e->r),
			    "t.pts:1: tlb: EINVAL: invalid argument (tlb_entries: cpu 2 of 2)");
	assert_int_equal(run(e, "tlb 0 1\n"), -EINVAL);
	assert_string_equal(pts_error(e->r), "t.pts:1: usage: tlb [CPU]");
}

/* The REPL on a terminal: what accesses and mmap did, without the commands. */
static void test_results_only(void **state)
{
	struct pts_options o = {.results = true};
	struct pts_runner *r;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	o.out = open_memstream(&text, &len);
	assert_non_null(o.out);
	assert_int_equal(pts_runner_create(&o, &r), 0);
	assert_int_equal(pts_run_buffer(r, "t", prologue, strlen(prologue)), 0);
	assert_int_equal(pts_run_buffer(r, "t", "echo off\nread buf\n", 18), 0);
	pts_runner_destroy(r);
	fclose(o.out);
	assert_string_equal(text, "  buf = 0x7ffff7ffb000\n"
				  "  write 0x7ffff7ffb000 on cpu 0: pa 0x5000, 1 fault: new "
				  "anonymous page\n"
				  "  write 0x7ffff7ffc000 on cpu 0: pa 0x6000, 1 fault: new "
				  "anonymous page\n");
	free(text);
}

/* The REPL's way of working: line by line, going on after errors. */
static void test_exec_line_goes_on(void **state)
{
	struct env *e = *state;

	assert_int_equal(pts_exec_line(e->r, "<repl>", 1, "machine arm64-4k-39"), 0);
	assert_int_equal(pts_exec_line(e->r, "<repl>", 2, "mm a"), 0);
	assert_int_equal(pts_exec_line(e->r, "<repl>", 3, "mmap x 4K rwz private anon"), -EINVAL);
	assert_string_equal(pts_error(e->r),
			    "<repl>:3: bad protection \"rwz\" (rwx, rw-, r--, r-x, --- or none)");
	assert_int_equal(pts_exec_line(e->r, "<repl>", 4, "mmap x 4K rw- private anon"), 0);
	assert_int_equal(pts_exec_line(e->r, "<repl>", 5, "write x"), 0);
	assert_int_equal(pts_exec_line(e->r, "<repl>", 6, "expect entry x present write young"), 0);
	assert_string_equal(pts_error(e->r), "");
	assert_machine_clean(pts_machine(e->r));
}

/* The sweep finds a failure swallowed by a command, and passes a clean script. */
static void test_sweep(void **state)
{
	static const char script[] = "machine x86_64-4l phys=1G\n"
				     "mm p\n"
				     "mmap buf 2M rw- private anon\n"
				     "write buf 64K\n"
				     "fork c\n"
				     "write buf\n"
				     "munmap buf 2M\n"
				     "expect check clean\n";
	struct pts_sweep_result res;
	FILE *log = tmpfile();

	(void)state;
	assert_non_null(log);
	assert_int_equal(pts_sweep_buffer("s.pts", script, strlen(script), 1, log, &res), 0);
	assert_true(res.points > 10);
	assert_int_equal(res.runs, res.points);
	assert_int_equal(res.problems, 0);
	assert_true(res.failed > 0);
	/* A script that fails by itself is reported, not swept. */
	assert_int_not_equal(
		pts_sweep_buffer("f.pts", "machine x86_64-4l\nbogus\n", 24, 1, log, &res), 0);
	fclose(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stale_library_message, setup, teardown),
		cmocka_unit_test(test_expect_forms_fail_when_false),
		cmocka_unit_test_setup_teardown(test_expect_signal_and_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_commands_change_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tlb_command, setup, teardown),
		cmocka_unit_test(test_results_only),
		cmocka_unit_test_setup_teardown(test_exec_line_goes_on, setup, teardown),
		cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
