// SPDX-License-Identifier: MIT
/*
 * trace.c - `ptsim trace`: replay a valgrind lackey or plain memory trace
 * through the emulated MMU and report TLB, walk and fault counts.
 *
 * The parser is a pure function of one line; the replay owns one machine and
 * one address space for its duration and frees them before returning; the
 * command parses its arguments with getopt_long(), as every sub-command of
 * `ptsim` does (cli.h).
 */
#define _POSIX_C_SOURCE 200809L /* fileno, isatty */

#include "trace.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* --- the parser ---------------------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Hex digits: HEX_DIGIT | value; 0 for any other byte.  One load per byte. */
#define HEX_DIGIT 0x10u
static const unsigned char hex_tab[256] = {
	['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14, ['5'] = 0x15,
	['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19, ['a'] = 0x1a, ['b'] = 0x1b,
	['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e, ['f'] = 0x1f, ['A'] = 0x1a, ['B'] = 0x1b,
	['C'] = 0x1c, ['D'] = 0x1d, ['E'] = 0x1e, ['F'] = 0x1f,
};

static int hex_value(char c)
{
	unsigned int v = hex_tab[(unsigned char)c];

	return v & HEX_DIGIT ? (int)(v & 0xf) : -1;
}

/* Access kinds by letter: PTSIM_ACCESS_* (KIND_MODIFY: "M", a load then a store); 0: none. */
#define KIND_MODIFY 0x80u
static const unsigned char kind_tab[256] = {
	['I'] = PTSIM_ACCESS_EXEC,
	['X'] = PTSIM_ACCESS_EXEC,
	['L'] = PTSIM_ACCESS_READ,
	['R'] = PTSIM_ACCESS_READ,
	['S'] = PTSIM_ACCESS_WRITE,
	['W'] = PTSIM_ACCESS_WRITE,
	['M'] = PTSIM_ACCESS_READ | KIND_MODIFY,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* printf into @err if there is one; returns -EINVAL for the caller to pass on. */
static int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/*
 * Quote [p, e) for a message: at most QUOTE_MAX bytes, printable ASCII as is
 * (backslash and quote escaped), anything else as \xNN, "..." when cut.
 * @out must hold QUOTE_LEN bytes.
 */
#define QUOTE_MAX 24
#define QUOTE_LEN (QUOTE_MAX * 4 + 4)
static const char *quote(const char *p, const char *e, char out[QUOTE_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	for (unsigned int i = 0; p < e && i < QUOTE_MAX; i++, p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' || c == '"') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			out[n++] = (char)c;
		} else {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0xf];
		}
	}
	if (p < e) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* valgrind's "==1234==" (and, with -v, "--1234--") line prefix. */
static bool is_banner(const char *p, const char *e)
{
	char d;
	const char *q;

	if (e - p < 5 || (p[0] != '=' && p[0] != '-') || p[1] != p[0])
		return false;
	d = p[0];
	for (q = p + 2; q < e && is_digit(*q); q++)
		;
	return q > p + 2 && e - q >= 2 && q[0] == d && q[1] == d;
}

int pts_trace_parse_line_ref(const char *line, size_t len, struct pts_trace_ref refs[2], char *err,
			     size_t errlen)
{
	const char *p, *e, *digits;
	char q[QUOTE_LEN], kind;
	unsigned int access, nr = 1, ndigits = 0;
	uint64_t addr = 0, size = 1;

	if (!line)
		return len ? perr(err, errlen, "no line") : 0;
	p = line;
	e = line + len;
	while (e > p && is_space(e[-1]))
		e--;
	if (p < e && is_banner(p, e))
		return 0;
	while (p < e && is_blank(*p))
		p++;
	if (p == e || *p == '#')
		return 0;

	kind = *p++;
	switch (kind) {
	case 'I':
	case 'X':
		access = PTSIM_ACCESS_EXEC;
		break;
	case 'L':
	case 'R':
		access = PTSIM_ACCESS_READ;
		break;
	case 'S':
	case 'W':
		access = PTSIM_ACCESS_WRITE;
		break;
	case 'M':
		access = PTSIM_ACCESS_READ;
		nr = 2;
		break;
	default:
		return perr(err, errlen,
			    "unknown access kind \"%s\" (expected I, L, S, M (lackey) or R, W, "
			    "X (plain) and an address)",
			    quote(p - 1, e, q));
	}
	if (p == e)
		return perr(err, errlen, "missing address after '%c'", kind);
	if (!is_blank(*p))
		return perr(err, errlen, "expected a blank after '%c', found \"%s\"", kind,
			    quote(p, e, q));
	while (p < e && is_blank(*p))
		p++;

	/* The address: hex, 0x optional, at most 64 significant bits. */
	if (e - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	digits = p;
	for (; p < e && hex_value(*p) >= 0; p++) {
		if (addr >> 60) {
			while (p < e && hex_value(*p) >= 0)
				p++;
			return perr(err, errlen, "address 0x%s does not fit in 64 bits",
				    quote(digits, p, q));
		}
		addr = addr << 4 | (uint64_t)hex_value(*p);
		ndigits++;
	}
	if (!ndigits)
		return perr(err, errlen, "expected a hexadecimal address, found \"%s\"",
			    quote(p, e, q));

	/* The size: ",N" in decimal. */
	if (p < e && *p == ',') {
		const char *sz = ++p;

		size = 0;
		for (; p < e && is_digit(*p); p++) {
			size = size * 10 + (uint64_t)(*p - '0');
			if (size > PTS_TRACE_MAX_SIZE)
				return perr(err, errlen, "size %s too large (at most %u)",
					    quote(sz, e, q), PTS_TRACE_MAX_SIZE);
		}
		if (p == sz)
			return perr(err, errlen, "expected a decimal size after ',', found \"%s\"",
				    quote(p, e, q));
		if (size == 0)
			return perr(err, errlen, "size 0 (an access is at least 1 byte)");
	}

	/* Then nothing, or blanks and an optional comment. */
	if (p < e) {
		const char *rest = p;

		while (p < e && is_blank(*p))
			p++;
		if (p < e && (p == rest || *p != '#'))
			return perr(err, errlen, "unexpected \"%s\" after the access",
				    quote(p, e, q));
	}
	if (addr + (size - 1) < addr)
		return perr(err, errlen,
			    "access at 0x%" PRIx64 " of %" PRIu64 " bytes wraps past 2^64", addr,
			    size);

	refs[0].access = access;
	refs[0].addr = addr;
	refs[0].size = (unsigned int)size;
	if (nr == 2) {
		refs[1] = refs[0];
		refs[1].access = PTSIM_ACCESS_WRITE;
	}
	return (int)nr;
}

static bool blank_byte(unsigned char c)
{
	return c == ' ' || c == '\t';
}

#define BYTES(b) (0x0101010101010101ull * (b))

/*
 * Up to eight hex digits at once (SWAR): the run of hexadecimal digits (0-9,
 * a-f, A-F) that starts s[0..7], as a number in *@out; returns its length,
 * 0 to 8.  -1 (nothing read) when any of the eight bytes is 0x80 or above:
 * the caller reads byte by byte then.  The caller guarantees the eight bytes
 * are inside the buffer; those after the run are read, never used.
 */
static inline __attribute__((always_inline)) int hex_run8(const unsigned char *s, uint64_t *out)
{
	static const union {
		uint16_t u;
		unsigned char c[2];
	} one = {1};
	uint64_t x, low, digit, alpha, bad, v;
	int n;

	memcpy(&x, s, 8); /* one load; then s[0] in the low byte, whatever the host */
	if (!one.c[0])
		x = __builtin_bswap64(x);
	if (x & BYTES(0x80))
		return -1;
	/* Every byte below 0x80: a byte in [lo, hi] is one whose high bit
	 * (c + 0x80 - lo) sets and (c + 0x7f - hi) does not; no carry leaves a byte. */
	low = x | BYTES(0x20); /* A-F as a-f (and nothing else there); digits unchanged */
	digit = (x + BYTES(0x80 - '0')) & ~(x + BYTES(0x7f - '9'));
	alpha = (low + BYTES(0x80 - 'a')) & ~(low + BYTES(0x7f - 'f'));
	bad = ~(digit | alpha) & BYTES(0x80); /* the high bit of each byte that is no digit */
	n = bad ? __builtin_ctzll(bad) / 8 : 8;
	if (!n)
		return 0;
	/*
	 * Nibbles: the low four bits, + 9 for a letter.  Shifted up by the
	 * bytes after the run, which drops them and leaves the run's last
	 * digit in the top byte, the least significant after pairing: the
	 * bytes shifted in are leading zeros.  Then pairs, quads, eights.
	 */
	v = ((low & BYTES(0x0f)) + ((alpha >> 7) & BYTES(0x01)) * 9) << (8 * (8 - n));
	v = (v * 16 + (v >> 8)) & 0x00ff00ff00ff00ffull;
	v = (v * 256 + (v >> 16)) & 0x0000ffff0000ffffull;
	*out = (v * 65536 + (v >> 32)) & 0xffffffffull;
	return n;
}

/*
 * The fast path: the shape of nearly every line of a real trace - optional
 * blanks, KIND, blanks, ["0x"] 1 to 16 hex digits, then ",SIZE" of 1 to 5
 * digits (1 .. PTS_TRACE_MAX_SIZE, no wrap past 2^64) or nothing - read from
 * @s, never at or past @e.  Returns the number of accesses and sets *@end to
 * the byte after the access; the caller accepts the line only if that is
 * where the line ends.  Each line so accepted is one the general parser
 * accepts with the same accesses: blanks, kind and digits are read by the
 * same rules, a line that ends in a digit has no trailing white space to
 * trim, and a line that starts with a blank or a kind letter is no banner.
 * Anything else - comments, white space at the end, CR LF, leading zeros
 * beyond 16 hex or 5 decimal digits, errors - returns -1 (or ends
 * elsewhere), and the general parser reads the line again and says what it
 * finds.  One table load per byte, or one load per run of up to eight hex
 * digits.
 */
static inline int parse_fast(const unsigned char *s, const unsigned char *e,
			     struct pts_trace_ref refs[2], const unsigned char **end)
{
	const unsigned char *digits;
	unsigned int kind, v, size = 1;
	uint64_t addr = 0;
	int k;

	if (e - s >= 4 && s[0] == ' ' && s[2] == ' ' && !blank_byte(s[3])) {
		kind = kind_tab[s[1]]; /* lackey's " L ADDR" */
		s += 3;
	} else if (e - s >= 4 && s[1] == ' ' && s[2] == ' ' && !blank_byte(s[3])) {
		kind = kind_tab[s[0]]; /* lackey's "I  ADDR" */
		s += 3;
	} else {
		while (s < e && blank_byte(*s))
			s++;
		if (e - s < 3)
			return -1;
		kind = kind_tab[s[0]];
		if (!blank_byte(s[1]))
			return -1;
		s += 2;
		while (s < e && blank_byte(*s))
			s++;
	}
	if (!kind)
		return -1;
	if (e - s >= 2 && (s[1] | 0x20) == 'x' && s[0] == '0')
		s += 2;
	digits = s;
	/* The first eight at once; a longer address (rare in a user trace) digit by digit. */
	if (e - s >= 8 && (k = hex_run8(s, &addr)) > 0)
		s += k;
	while (s < e && ((v = hex_tab[*s]) & HEX_DIGIT)) {
		addr = addr << 4 | (v & 0xf);
		s++;
	}
	if (s == digits || s - digits > 16)
		return -1;
	if (e - s >= 3 && s[0] == ',' && (unsigned int)(s[1] - '1') < 9u &&
	    (unsigned int)(s[2] - '0') >= 10u) {
		size = (unsigned int)(s[1] -
				      '0'); /* one digit, 1 to 9: what the loop below reads */
		s += 2;
	} else if (s < e && *s == ',') {
		const unsigned char *sz = ++s, *lim = e - s > 5 ? s + 5 : e;

		size = 0;
		for (unsigned int d; s < lim && (d = (unsigned int)(*s - '0')) < 10u; s++)
			size = size * 10 + d;
		if (s == sz || size == 0 || size > PTS_TRACE_MAX_SIZE)
			return -1;
	}
	if (addr + (size - 1) < addr)
		return -1;
	*end = s;
	refs[0].access = kind & ~KIND_MODIFY;
	refs[0].addr = addr;
	refs[0].size = size;
	if (!(kind & KIND_MODIFY))
		return 1;
	refs[1].access = PTSIM_ACCESS_WRITE;
	refs[1].addr = addr;
	refs[1].size = size;
	return 2;
}

int pts_trace_parse_line(const char *line, size_t len, struct pts_trace_ref refs[2], char *err,
			 size_t errlen)
{
	const unsigned char *s = (const unsigned char *)line, *end;
	int n = line ? parse_fast(s, s + len, refs, &end) : -1;

	return n > 0 && end == s + len ? n : pts_trace_parse_line_ref(line, len, refs, err, errlen);
}

/* --- --tlb ---------------------------------------------------------------------- */

/* A decimal number ending at a delimiter of @delims (or NUL). */
static bool parse_uint(const char **sp, const char *delims, unsigned int *out)
{
	const char *s = *sp;
	uint64_t v = 0;

	if (!is_digit(*s))
		return false;
	for (; is_digit(*s); s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 0xffffffffu)
			return false;
	}
	if (*s && !strchr(delims, *s))
		return false;
	*sp = s;
	*out = (unsigned int)v;
	return true;
}

int pts_trace_parse_tlb(const char *spec, struct ptsim_tlb_config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		int level; /* -1: walk caches */
	} keys[] = {{"pte", PTSIM_PTE}, {"pmd", PTSIM_PMD}, {"pud", PTSIM_PUD}, {"walk", -1}};
	struct ptsim_tlb_config c = *cfg;
	const char *s = spec;

	if (!*s)
		return perr(err, errlen, "--tlb: empty geometry");
	while (*s) {
		const char *tok = s, *eq = strchr(s, '=');
		size_t klen = eq ? (size_t)(eq - s) : 0;
		unsigned int entries, ways, k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (eq && klen == strlen(keys[k].name) && !strncmp(s, keys[k].name, klen))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return perr(
				err, errlen,
				"--tlb: bad token \"%.*s\" (expected pte=, pmd=, pud= or walk=)",
				(int)strcspn(tok, ","), tok);
		s = eq + 1;
		if (keys[k].level < 0) {
			if (!parse_uint(&s, ",", &entries))
				return perr(err, errlen, "--tlb: bad number in \"%.*s\"",
					    (int)strcspn(tok, ","), tok);
			c.walk_cache_entries = entries;
		} else {
			if (!parse_uint(&s, "/,", &entries))
				return perr(err, errlen, "--tlb: bad entries in \"%.*s\"",
					    (int)strcspn(tok, ","), tok);
			ways = entries ? entries : 1; /* alone: fully associative */
			if (*s == '/') {
				s++;
				if (!parse_uint(&s, ",", &ways) || ways == 0)
					return perr(err, errlen, "--tlb: bad ways in \"%.*s\"",
						    (int)strcspn(tok, ","), tok);
			}
			if (entries % ways)
				return perr(err, errlen,
					    "--tlb: %u entries are not a multiple of %u ways in "
					    "\"%.*s\"",
					    entries, ways, (int)strcspn(tok, ","), tok);
			c.entries[keys[k].level] = entries;
			c.ways[keys[k].level] = ways;
		}
		if (*s == ',' && !*++s)
			return perr(err, errlen, "--tlb: trailing ','");
	}
	*cfg = c;
	return 0;
}

/* --- reading lines -------------------------------------------------------------- */

#define READ_CHUNK 65536u

/* Buffered line reader over a FILE; lines may hold any byte but '\n'. */
struct reader {
	FILE *f;
	char *buf;
	size_t start, end;
	bool eof;
	uint64_t consumed; /* bytes handed out, newlines included */
};

/* 1 and a line, 0 at the end, -E2BIG for a line too long, -EIO. */
static int read_line(struct reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t n;

		if (nl) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			r->start += *len + 1;
			r->consumed += *len + 1;
			return *len > PTS_TRACE_MAX_LINE ? -E2BIG : 1;
		}
		if (r->end - r->start > PTS_TRACE_MAX_LINE)
			return -E2BIG;
		if (r->eof) {
			if (r->start == r->end)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->consumed += *len;
			r->start = r->end;
			return 1;
		}
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		n = fread(r->buf + r->end, 1, READ_CHUNK - r->end, r->f);
		r->end += n;
		if (n == 0) {
			if (ferror(r->f))
				return -EIO;
			r->eof = true;
		}
	}
}

/* --- replay --------------------------------------------------------------------- */

/*
 * Ranges known to lie inside VMAs, so that an access there needs no
 * ptsim_vma_info() call: the VMAs that lookups found and the regions mapped
 * on demand, the last KNOWN_RANGES of them (replaced round robin).  A trace
 * mostly moves between a few VMAs (code, stack, heap), so nearly every
 * access is in one of them.  Sound because VMAs never shrink during a
 * replay: its only VMA operation is ptsim_mmap(MAP_FIXED_NOREPLACE) into
 * free space (neighbours may merge, which only grows them), and
 * ptsim_access() does not change VMAs.  So an address inside a known range
 * is inside a VMA, where ptsim_vma_info() would succeed without side effect;
 * any other address is looked up as before.
 */
#define KNOWN_RANGES 4

struct replay {
	struct ptsim_machine *m;
	struct ptsim_mm *mm;
	struct pts_trace_result *res;
	const struct pts_trace_opts *opts;
	uint64_t psz, block; /* base page, and the region mapped on demand */
	uint64_t limit;	     /* TASK_SIZE: user addresses are below it */
	uint64_t fold_mask;  /* what --fold keeps */
	bool fold;
	uint64_t known_start[KNOWN_RANGES], known_len[KNOWN_RANGES]; /* len 0: unused */
	unsigned int known_next, known_last[3]; /* by kind_index(): the last range hit */
	const char *name;
	uint64_t lineno;
	char *err;
	size_t errlen;
};

/* Is @va in a known range?  The one the last access of its kind hit comes first. */
static bool in_known_range(struct replay *st, uint64_t va, unsigned int kind)
{
	unsigned int i = st->known_last[kind];

	if (va - st->known_start[i] < st->known_len[i])
		return true;
	for (i = 0; i < KNOWN_RANGES; i++) {
		if (va - st->known_start[i] < st->known_len[i]) {
			st->known_last[kind] = i;
			return true;
		}
	}
	return false;
}

static void add_known_range(struct replay *st, uint64_t start, uint64_t end)
{
	st->known_start[st->known_next] = start;
	st->known_len[st->known_next] = end - start;
	st->known_next = (st->known_next + 1) % KNOWN_RANGES;
}

/* "NAME:LINE: " + message, then -errno. */
static int rerr(struct replay *st, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rerr(struct replay *st, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!st->err || !st->errlen)
		return ret;
	if (st->lineno)
		n = snprintf(st->err, st->errlen, "%s:%" PRIu64 ": ", st->name, st->lineno);
	else
		n = snprintf(st->err, st->errlen, "%s: ", st->name);
	if (n < 0 || (size_t)n >= st->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

/* A library error, with its name and the machine's message. */
static int lib_err(struct replay *st, int ret, const char *what, uint64_t addr)
{
	return rerr(st, ret, "%s 0x%" PRIx64 ": %s (%s)", what, addr, ptsim_strerror(ret),
		    ptsim_errmsg(st->m));
}

/*
 * Map the anonymous region around @va, which no VMA contains: its aligned
 * block, trimmed to the user address space and to the VMAs on each side.
 */
static int map_region(struct replay *st, uint64_t va)
{
	struct ptsim_vma_info v;
	uint64_t start = va & ~(st->block - 1), end = start + st->block, a, got;
	int err;

	if (end > st->limit || end < start)
		end = st->limit;
	for (a = start; !ptsim_vma_next(st->mm, a, &v) && v.start < end; a = v.end) {
		if (v.end <= va) {
			start = v.end;
			continue;
		}
		end = v.start;
		break;
	}
	if (start > va || end <= va) /* ptsim_vma_info() said no VMA holds va */
		return rerr(st, -EFAULT, "internal error: no room around 0x%" PRIx64, va);
	err = ptsim_mmap(
		st->mm, start, end - start, PTSIM_PROT_READ | PTSIM_PROT_WRITE | PTSIM_PROT_EXEC,
		PTSIM_MAP_PRIVATE | PTSIM_MAP_ANONYMOUS | PTSIM_MAP_FIXED_NOREPLACE, NULL, 0, &got);
	if (err)
		return lib_err(st, err, "mmap for", va);
	st->res->regions++;
	add_known_range(st, start, end);
	return 0;
}

/* Make sure a VMA holds @va: look it up, or map a region around it. */
static int find_or_map(struct replay *st, uint64_t va)
{
	struct ptsim_vma_info v;
	int err = ptsim_vma_info(st->mm, va, &v);

	if (err == -ENOENT)
		return map_region(st, va);
	if (err)
		return lib_err(st, err, "vma lookup at", va);
	add_known_range(st, v.start, v.end);
	return 0;
}

/* Index of pts_trace_result.refs[] for an access kind. */
static unsigned int kind_index(unsigned int access)
{
	/* A table load: READ 0, WRITE 1, anything else 2. */
	static const unsigned char idx[8] = {2, 0, 1, 2, 2, 2, 2, 2};

	return access < 8 ? idx[access] : 2;
}

/* One access within one page; @kind is kind_index(@access). */
static int access_page(struct replay *st, uint64_t va, unsigned int access, unsigned int kind)
{
	struct ptsim_access_result ar;
	int err;

	if (!in_known_range(st, va, kind)) {
		err = find_or_map(st, va);
		if (err)
			return err;
	}
	err = ptsim_access(st->mm, 0, va, access, &ar);
	if (err)
		return lib_err(st, err, "access", va);
	st->res->page_accesses++;
	if (ar.signal == PTSIM_SIGSEGV)
		st->res->sigsegv++;
	else if (ar.signal == PTSIM_SIGBUS)
		st->res->sigbus++;
	return 0;
}

static int replay_ref(struct replay *st, const struct pts_trace_ref *ref)
{
	uint64_t addr = ref->addr, first, last, va;
	unsigned int kind = kind_index(ref->access);
	int err;

	if (st->fold && (addr & st->fold_mask) != addr) {
		addr &= st->fold_mask;
		st->res->folded++;
	}
	if (addr >= st->limit || ref->size > st->limit - addr)
		return rerr(st, -EINVAL,
			    "%s0x%" PRIx64 " (size %u) is beyond the user address space of %s "
			    "[0, 0x%" PRIx64 ")%s",
			    addr != ref->addr ? "folded address " : "address ", addr, ref->size,
			    ptsim_arch_name(st->res->arch), st->limit,
			    st->opts->fold ? "" : "; --fold masks addresses into it");
	st->res->refs[kind]++;
	first = addr & ~(st->psz - 1);
	last = (addr + ref->size - 1) & ~(st->psz - 1);
	if (first != last)
		st->res->straddles++;
	for (va = first;; va += st->psz) {
		err = access_page(st, va == first ? addr : va, ref->access, kind);
		if (err || va == last)
			return err;
	}
}

/* 0..1000 per mille of @done over @total (0 when unknown). */
static void progress_draw(struct replay *st, const struct reader *r)
{
	FILE *f = st->opts->progress_out;
	uint64_t total = st->opts->size_hint;

	if (total) {
		unsigned int pm =
			r->consumed >= total ? 1000 : (unsigned int)(r->consumed * 1000 / total);
		unsigned int fill = pm * 30 / 1000;

		fprintf(f, "\rptsim trace: [%.*s%*s] %3u.%u%%  %" PRIu64 " lines", (int)fill,
			"##############################", (int)(30 - fill), "", pm / 10, pm % 10,
			st->lineno);
	} else {
		fprintf(f, "\rptsim trace: %" PRIu64 " lines", st->lineno);
	}
	fflush(f);
}

static void progress_clear(struct replay *st)
{
	fprintf(st->opts->progress_out, "\r%*s\r", 79, "");
	fflush(st->opts->progress_out);
}

#define PROGRESS_EVERY 100000u

static int replay_lines(struct replay *st, FILE *in)
{
	struct reader r = {.f = in};
	bool progress = st->opts->progress_out;
	struct pts_trace_ref refs[2];
	char msg[256];
	const char *line;
	size_t len;
	int n, err = 0;

	r.buf = malloc(READ_CHUNK);
	if (!r.buf)
		return rerr(st, -ENOMEM, "out of memory");
	for (;;) {
		const unsigned char *b = (const unsigned char *)r.buf + r.start, *end;

		/*
		 * A line of the usual shape, of at most PTS_TRACE_MAX_LINE bytes,
		 * that ends in the buffer is parsed where it lies, its newline found
		 * by the parser.  Any other line - one cut by the end of the buffer
		 * included - is read and parsed as a whole, which gives the same
		 * accesses for the first kind (pts_trace_parse_line()).
		 */
		n = parse_fast(b, (const unsigned char *)r.buf + r.end, refs, &end);
		if (n > 0 && end < (const unsigned char *)r.buf + r.end && *end == '\n' &&
		    (size_t)(end - b) <= PTS_TRACE_MAX_LINE) {
			len = (size_t)(end - b) + 1;
			r.start += len;
			r.consumed += len;
			st->lineno++;
			st->res->lines++;
		} else {
			n = read_line(&r, &line, &len);
			if (n == 0)
				break;
			st->lineno++;
			st->res->lines++;
			if (n == -E2BIG) {
				err = rerr(st, -EINVAL, "line longer than %u bytes",
					   PTS_TRACE_MAX_LINE);
				break;
			}
			if (n < 0) {
				st->lineno = 0;
				err = rerr(st, n, "read error");
				break;
			}
			n = pts_trace_parse_line(line, len, refs, msg, sizeof(msg));
			if (n < 0) {
				err = rerr(st, n, "%s", msg);
				break;
			}
		}
		if (n == 0)
			st->res->skipped++;
		if (n == 2)
			st->res->modify++;
		for (int i = 0; i < n && !err; i++)
			err = replay_ref(st, &refs[i]);
		if (err)
			break;
		if (progress && st->lineno % PROGRESS_EVERY == 0)
			progress_draw(st, &r);
	}
	if (st->opts->progress_out && st->lineno >= PROGRESS_EVERY)
		progress_clear(st);
	free(r.buf);
	return err;
}

static void collect(struct replay *st)
{
	struct pts_trace_result *res = st->res;

	ptsim_tlb_stats_total(st->m, &res->tlb);
	ptsim_mm_counters(st->mm, &res->mm);
	res->pgtables_bytes = ptsim_mm_pgtables_bytes(st->mm);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		res->nr_tables[l] = ptsim_mm_nr_tables(st->mm, (enum ptsim_level)l);
	res->nr_vmas = ptsim_mm_nr_vmas(st->mm);
}

static int run_check(struct replay *st)
{
	struct ptsim_check_report *rep = malloc(sizeof(*rep));
	int n;

	if (!rep)
		return rerr(st, -ENOMEM, "out of memory for the checker");
	n = ptsim_check(st->m, rep);
	if (n < 0) {
		free(rep);
		return rerr(st, n, "check: %s", ptsim_strerror(n));
	}
	if (n > 0) {
		rerr(st, -EPROTO, "check: %d finding(s), the first: %s: %s", n,
		     ptsim_check_code_name(rep->findings[0].code), rep->findings[0].msg);
		free(rep);
		return -EPROTO;
	}
	free(rep);
	return 0;
}

/* The machine and the address space, configured as @opts says. */
static int setup(struct replay *st)
{
	const struct pts_trace_opts *o = st->opts;
	const char *arch = o->arch ? o->arch : "x86_64-4l";
	struct ptsim_config cfg;
	const struct ptsim_arch *a;
	char msg[320];
	unsigned int va_bits;
	int err;

	if (ptsim_config_init(&cfg, arch))
		return rerr(st, -EINVAL, "unknown configuration \"%s\" (one of: %s)", arch,
			    pts_cli_config_names(msg, sizeof(msg)));
	if (o->machine && ptsim_config_set(&cfg, o->machine, msg, sizeof(msg)))
		return rerr(st, -EINVAL, "--machine: %s", msg);
	if (o->ncpus)
		cfg.ncpus = o->ncpus;
	/* The whole configuration is checked at creation: the reason names the key and rule. */
	err = ptsim_machine_create_err(&cfg, &st->m, msg, sizeof(msg));
	if (err)
		return rerr(st, err, "%s%s", o->machine ? "--machine: " : "", msg);
	if (o->tlb) {
		err = ptsim_tlb_configure(st->m, o->tlb);
		if (err)
			return rerr(st, err, "--tlb: %s", ptsim_errmsg(st->m));
	}
	err = ptsim_mm_create(st->m, &st->mm);
	if (err)
		return rerr(st, err, "creating the address space: %s", ptsim_strerror(err));

	/* The report outlives the machine: keep the configuration's (static) arch. */
	a = cfg.arch;
	st->res->arch = a;
	st->fold = o->fold;
	st->psz = 1ull << ptsim_arch_page_shift(a);
	st->block = ptsim_arch_level_size(a, PTSIM_PMD);
	if (st->block < st->psz)
		st->block = st->psz;
	va_bits = ptsim_arch_va_bits(a);
	/* TASK_SIZE as the library's mmap() has it: x86 keeps the top page of the lower half. */
	if (ptsim_arch_kind(a) == PTSIM_ARCH_X86_64) {
		st->fold_mask = (1ull << (va_bits - 1)) - 1;
		st->limit = st->fold_mask + 1 - st->psz;
	} else {
		st->fold_mask = (1ull << va_bits) - 1;
		st->limit = st->fold_mask + 1;
	}
	return 0;
}

int pts_trace_replay(FILE *in, const char *name, const struct pts_trace_opts *opts,
		     struct pts_trace_result *res, char *err, size_t errlen)
{
	struct replay st = {
		.res = res, .opts = opts, .name = name ? name : "-", .err = err, .errlen = errlen};
	int ret;

	memset(res, 0, sizeof(*res));
	if (err && errlen)
		err[0] = '\0';
	ret = setup(&st);
	if (!ret)
		ret = replay_lines(&st, in);
	if (st.mm)
		collect(&st);
	if (!ret && opts->check) {
		st.lineno = 0;
		ret = run_check(&st);
	}
	ptsim_mm_destroy(st.mm);
	ptsim_machine_destroy(st.m);
	return ret;
}

/* --- the report ----------------------------------------------------------------- */

static const char *const level_keys[PTSIM_NR_LEVELS] = {"pgd", "p4d", "pud", "pmd", "pte"};

/* "4K", "2M", "1G", ... for a power-of-two size. */
static const char *size_str(uint64_t size, char buf[24])
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (size >= 1024 && !(size % 1024) && u < 5) {
		size /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, 24, "%" PRIu64 "B", size);
	else
		snprintf(buf, 24, "%" PRIu64 "%c", size, units[u]);
	return buf;
}

static double ratio(uint64_t num, uint64_t den)
{
	return den ? (double)num / (double)den : 0.0;
}

/* A JSON string: quotes, backslashes and control bytes escaped, others as \u00XX. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static uint64_t tlb_hits(const struct pts_trace_result *res)
{
	uint64_t n = 0;

	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		n += res->tlb.hits[l];
	return n;
}

static void report_json(const struct pts_trace_result *res, const char *name, FILE *f)
{
	const struct ptsim_tlb_stats *t = &res->tlb;
	const struct ptsim_mm_counters *c = &res->mm;
	uint64_t hits = tlb_hits(res), lookups = hits + t->lookup_misses;
	const char *sep = "";

	fputs("{\"trace\": ", f);
	json_string(f, name);
	fputs(", \"arch\": ", f);
	json_string(f, ptsim_arch_name(res->arch));
	fprintf(f, ", \"page_size\": %" PRIu64 ", \"lines\": %" PRIu64 ", \"skipped\": %" PRIu64,
		ptsim_arch_level_size(res->arch, PTSIM_PTE), res->lines, res->skipped);
	fprintf(f,
		", \"accesses\": {\"total\": %" PRIu64 ", \"read\": %" PRIu64
		", \"write\": %" PRIu64 ", \"exec\": %" PRIu64 ", \"modify\": %" PRIu64
		", \"pages\": %" PRIu64 ", \"straddles\": %" PRIu64 ", \"folded\": %" PRIu64 "}",
		res->refs[0] + res->refs[1] + res->refs[2], res->refs[0], res->refs[1],
		res->refs[2], res->modify, res->page_accesses, res->straddles, res->folded);
	fprintf(f,
		", \"tlb\": {\"lookups\": %" PRIu64 ", \"hits\": %" PRIu64 ", \"misses\": %" PRIu64
		", \"hit_rate\": %.4f, \"levels\": {",
		lookups, hits, t->lookup_misses, ratio(hits, lookups));
	for (int l = PTSIM_PTE; l >= PTSIM_PUD; l--) {
		fprintf(f,
			"%s\"%s\": {\"size\": %" PRIu64 ", \"hits\": %" PRIu64
			", \"fills\": %" PRIu64 ", \"hit_rate\": %.4f}",
			sep, level_keys[l], ptsim_arch_level_size(res->arch, (enum ptsim_level)l),
			t->hits[l], t->misses[l], ratio(t->hits[l], t->hits[l] + t->misses[l]));
		sep = ", ";
	}
	fputs("}, \"walk_cache\": {\"hits\": {", f);
	for (int l = PTSIM_PGD; l <= PTSIM_PMD; l++)
		fprintf(f, "%s\"%s\": %" PRIu64, l ? ", " : "", level_keys[l], t->walk_hits[l]);
	fprintf(f, "}, \"misses\": %" PRIu64 "}}, \"walks\": %" PRIu64, t->walk_misses,
		t->lookup_misses);
	fprintf(f,
		", \"faults\": {\"total\": %" PRIu64 ", \"minor\": %" PRIu64 ", \"major\": %" PRIu64
		", \"anon\": %" PRIu64 ", \"zero_page\": %" PRIu64 ", \"cow\": %" PRIu64
		", \"wp_reuse\": %" PRIu64 ", \"file\": %" PRIu64 ", \"fixup\": %" PRIu64
		", \"spurious\": %" PRIu64 "}",
		c->pgfault, c->min_flt, c->maj_flt, c->anon_fault, c->zero_page, c->cow,
		c->wp_reuse, c->file_fault, c->fixup, c->spurious);
	fprintf(f,
		", \"signals\": {\"total\": %" PRIu64 ", \"sigsegv\": %" PRIu64
		", \"sigbus\": %" PRIu64 "}",
		res->sigsegv + res->sigbus, res->sigsegv, res->sigbus);
	fprintf(f,
		", \"rss\": {\"anon\": %" PRIu64 ", \"file\": %" PRIu64 ", \"shmem\": %" PRIu64
		"}, \"vmas\": {\"regions_mapped\": %" PRIu64 ", \"final\": %" PRIu64 "}",
		c->rss_anon, c->rss_file, c->rss_shmem, res->regions, res->nr_vmas);
	fprintf(f, ", \"pgtables\": {\"bytes\": %" PRIu64 ", \"tables\": {", res->pgtables_bytes);
	for (int l = 0; l < PTSIM_NR_LEVELS; l++)
		fprintf(f, "%s\"%s\": %" PRIu64, l ? ", " : "", level_keys[l], res->nr_tables[l]);
	fputs("}}}\n", f);
}

static void report_text(const struct pts_trace_result *res, const char *name, FILE *f)
{
	const struct ptsim_arch *a = res->arch;
	const struct ptsim_tlb_stats *t = &res->tlb;
	const struct ptsim_mm_counters *c = &res->mm;
	uint64_t hits = tlb_hits(res), lookups = hits + t->lookup_misses;
	const char *sep = "";
	char sz[24];

	fprintf(f, "trace         %s on %s (%s pages)\n", name, ptsim_arch_name(a),
		size_str(ptsim_arch_level_size(a, PTSIM_PTE), sz));
	fprintf(f, "lines         %" PRIu64 " (%" PRIu64 " without an access)\n", res->lines,
		res->skipped);
	fprintf(f,
		"accesses      %" PRIu64 ": %" PRIu64 " read, %" PRIu64 " write, %" PRIu64
		" exec (%" PRIu64 " modify = read + write)\n",
		res->refs[0] + res->refs[1] + res->refs[2], res->refs[0], res->refs[1],
		res->refs[2], res->modify);
	fprintf(f,
		"              %" PRIu64 " page accesses, %" PRIu64
		" straddling a page boundary, %" PRIu64 " folded\n",
		res->page_accesses, res->straddles, res->folded);
	fprintf(f,
		"TLB           %" PRIu64 " lookups: %" PRIu64 " hits (%.1f%%), %" PRIu64
		" misses = page walks\n",
		lookups, hits, 100.0 * ratio(hits, lookups), t->lookup_misses);
	fprintf(f, "  page size       hits      fills   hit rate\n");
	for (int l = PTSIM_PTE; l >= PTSIM_PGD; l--) {
		enum ptsim_level lvl = (enum ptsim_level)l;

		if (!ptsim_arch_leaf_ok(a, lvl) || ptsim_arch_level_folded(a, lvl))
			continue;
		fprintf(f, "  %-4s %4s %10" PRIu64 " %10" PRIu64, ptsim_arch_level_name(a, lvl),
			size_str(ptsim_arch_level_size(a, lvl), sz), t->hits[l], t->misses[l]);
		if (t->hits[l] + t->misses[l])
			fprintf(f, "     %5.1f%%\n",
				100.0 * ratio(t->hits[l], t->hits[l] + t->misses[l]));
		else
			fprintf(f, "          -\n");
	}
	fprintf(f, "walk cache    hits");
	for (int l = PTSIM_PGD; l <= PTSIM_PMD; l++) {
		enum ptsim_level lvl = (enum ptsim_level)l;

		if (ptsim_arch_level_folded(a, lvl))
			continue;
		fprintf(f, "%s %s %" PRIu64, sep, ptsim_arch_level_name(a, lvl), t->walk_hits[l]);
		sep = ",";
	}
	fprintf(f, "; %" PRIu64 " misses\n", t->walk_misses);
	fprintf(f,
		"faults        %" PRIu64 " (%" PRIu64 " minor, %" PRIu64 " major): anon %" PRIu64
		", zero page %" PRIu64 ", cow %" PRIu64 ", reuse %" PRIu64 ", file %" PRIu64
		", fixup %" PRIu64 ", spurious %" PRIu64 "\n",
		c->pgfault, c->min_flt, c->maj_flt, c->anon_fault, c->zero_page, c->cow,
		c->wp_reuse, c->file_fault, c->fixup, c->spurious);
	fprintf(f, "signals       %" PRIu64 " (SIGSEGV %" PRIu64 ", SIGBUS %" PRIu64 ")\n",
		res->sigsegv + res->sigbus, res->sigsegv, res->sigbus);
	fprintf(f, "rss           %" PRIu64 " anonymous pages\n", c->rss_anon);
	fprintf(f,
		"VMAs          %" PRIu64 " mapped on demand, %" PRIu64
		" at the end (neighbours merge)\n",
		res->regions, res->nr_vmas);
	fprintf(f, "page tables   VmPTE %" PRIu64 " bytes; tables", res->pgtables_bytes);
	sep = "";
	for (int l = 0; l < PTSIM_NR_LEVELS; l++) {
		enum ptsim_level lvl = (enum ptsim_level)l;

		if (ptsim_arch_level_folded(a, lvl))
			continue;
		fprintf(f, "%s %s %" PRIu64, sep, ptsim_arch_level_name(a, lvl), res->nr_tables[l]);
		sep = ",";
	}
	fputc('\n', f);
}

void pts_trace_report(const struct pts_trace_result *res, const char *name, bool json, FILE *f)
{
	if (json)
		report_json(res, name, f);
	else
		report_text(res, name, f);
}

/* --- the command ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	pts_cli_print_usage(
		f,
		"usage: ptsim trace [OPTIONS] FILE     replay a memory trace (\"-\": stdin)\n"
		"  --arch CONFIG     configuration (default x86_64-4l; see ptsim list)\n"
		"  --machine OPTS    machine options, e.g. phys=16G,ncpus=2,seed=3\n"
		"  --tlb SPEC        TLB geometry, e.g. pte=64/4,pmd=32/4,pud=4/4,walk=32\n"
		"                    (ENTRIES/WAYS; ENTRIES alone: fully associative; 0: none)\n"
		"  --cpus N          CPUs of the machine (the trace runs on CPU 0)\n"
		"  --fold            mask addresses beyond the user address space into it\n"
		"                    (default: such an address is an error)\n"
		"  --check           run the model checker at the end\n"
		"  --json            print one JSON object instead of the table\n"
		"  -q, --quiet       no progress bar\n"
		"  -h, --help        this text\n"
		"Formats: valgrind --tool=lackey --trace-mem=yes output (I/L/S/M ADDR,SIZE), or\n"
		"plain lines \"R|W|X ADDR[,SIZE]\" (hex address, 0x optional) with # comments.\n"
		"Memory is mapped on demand: the aligned PMD-size block around each new "
		"address.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ptsim trace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(ptsim trace --help shows the usage)\n", stderr);
	return PTS_EXIT_USAGE;
}

enum { OPT_ARCH = 256, OPT_MACHINE, OPT_TLB, OPT_CPUS, OPT_FOLD, OPT_CHECK, OPT_JSON };

static const struct option trace_options[] = {
	{"arch", required_argument, NULL, OPT_ARCH},
	{"machine", required_argument, NULL, OPT_MACHINE},
	{"tlb", required_argument, NULL, OPT_TLB},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"fold", no_argument, NULL, OPT_FOLD},
	{"check", no_argument, NULL, OPT_CHECK},
	{"json", no_argument, NULL, OPT_JSON},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* What an option lacking its value needs. */
static int missing_value(int opt)
{
	switch (opt) {
	case OPT_ARCH:
		return usage_error("--arch needs a configuration name");
	case OPT_MACHINE:
		return usage_error("--machine needs options");
	case OPT_TLB:
		return usage_error("--tlb needs a geometry");
	default:
		return usage_error("--cpus needs a number from 1 to %u", PTSIM_TLB_MAX_CPUS);
	}
}

struct trace_args {
	struct pts_trace_opts *o;
	struct ptsim_tlb_config *tlb;
	const char *path;
	bool json, quiet;
};

/* Parse @argv (argv[0] the sub-command's name); -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct trace_args *ta)
{
	char err[512];
	const char *val;
	unsigned int n;
	int c;

	pts_cli_options_begin();
	while ((c = getopt_long(argc, argv, ":qh", trace_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return PTS_EXIT_OK;
		case OPT_JSON:
			ta->json = true;
			break;
		case 'q':
			ta->quiet = true;
			break;
		case OPT_FOLD:
			ta->o->fold = true;
			break;
		case OPT_CHECK:
			ta->o->check = true;
			break;
		case OPT_ARCH:
			ta->o->arch = optarg;
			break;
		case OPT_MACHINE:
			ta->o->machine = optarg;
			break;
		case OPT_TLB:
			if (pts_trace_parse_tlb(optarg, ta->tlb, err, sizeof(err)))
				return usage_error("%s", err);
			ta->o->tlb = ta->tlb;
			break;
		case OPT_CPUS:
			val = optarg;
			if (!parse_uint(&val, "", &n) || n == 0 || n > PTSIM_TLB_MAX_CPUS)
				return missing_value(OPT_CPUS);
			ta->o->ncpus = n;
			break;
		case ':':
			return missing_value(optopt);
		default:
			return pts_cli_option_error("trace", c, argv);
		}
	}
	if (optind == argc)
		return usage_error("no trace file");
	if (argc - optind > 1)
		return usage_error("one trace file only (\"%s\" is extra)", argv[optind + 1]);
	ta->path = argv[optind];
	return -1;
}

int pts_trace_main(int argc, char **argv)
{
	struct pts_trace_opts o = {0};
	struct pts_trace_result *res;
	struct ptsim_tlb_config tlb;
	struct trace_args ta = {.o = &o, .tlb = &tlb};
	const char *path;
	bool json, quiet;
	char err[512];
	struct stat sb;
	char **args;
	FILE *in;
	int ret;

	/* getopt_long() wants the program's name first, and may permute: a copy. */
	args = malloc(((size_t)argc + 2) * sizeof(*args));
	if (!args) {
		fprintf(stderr, "ptsim trace: out of memory\n");
		return PTS_EXIT_FAILED;
	}
	args[0] = (char *)"trace";
	for (int i = 0; i < argc; i++)
		args[i + 1] = argv[i];
	args[argc + 1] = NULL;
	ptsim_tlb_config_default(&tlb);
	ret = parse_args(argc + 1, args, &ta);
	free(args);
	if (ret >= 0)
		return ret;
	path = ta.path;
	json = ta.json;
	quiet = ta.quiet;

	if (!strcmp(path, "-")) {
		in = stdin;
	} else {
		in = fopen(path, "rb");
		if (!in) {
			fprintf(stderr, "ptsim trace: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	if (!fstat(fileno(in), &sb) && S_ISREG(sb.st_mode))
		o.size_hint = (uint64_t)sb.st_size;
	if (!quiet && isatty(STDERR_FILENO))
		o.progress_out = stderr;

	res = malloc(sizeof(*res));
	if (!res) {
		fprintf(stderr, "ptsim trace: out of memory\n");
		ret = 1;
		goto out_close;
	}
	ret = pts_trace_replay(in, path, &o, res, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "ptsim trace: %s\n", err);
		ret = 1;
	} else {
		pts_trace_report(res, path, json, stdout);
		ret = fflush(stdout) ? 1 : 0;
	}
	free(res);
out_close:
	if (in != stdin)
		fclose(in);
	return ret;
}
