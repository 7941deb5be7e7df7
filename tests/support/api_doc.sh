#!/bin/sh
# SPDX-License-Identifier: MIT
# api_doc.sh - the API reference, from the comments of the public headers.
#
#   api_doc.sh list SOURCE_DIR            every PTSIM_API function: FILE:LINE NAME
#   api_doc.sh check SOURCE_DIR [CC]      fail, naming FILE:LINE, on an exported
#                                         function without a comment that names it
#   api_doc.sh markdown SOURCE_DIR        print docs/api/reference.md
#   api_doc.sh diff SOURCE_DIR            fail if docs/api/reference.md is stale
#
# The headers are include/ptsim/*.h and the template include/ptsim/version.h.in
# (documented as ptsim/version.h).  A declaration is a line starting with
# PTSIM_API, up to its ';'.  Its comment is the comment that ends on the line
# right above it (kernel-doc "/** name() - ..." or a plain one); declarations
# that follow each other with no line between share the comment above the
# first, and that comment must name each of them.  A declaration inside a
# macro (#define DECLARE(op) PTSIM_API ... ptsim_ent_##op(...);) is a
# template: its comment is the one above the #define, names it as
# ptsim_ent_<op>(), and the names come from the X-macro list it is applied
# to (LIST(DECLARE), with #define LIST(X) X(a) X(b) ...).
#
# With CC, check also preprocesses each header with PTSIM_BUILDING_LIBRARY
# and compares the functions the compiler sees exported with the ones found
# here, so a declaration this parser misses cannot go undocumented.
#
# Regenerate the reference after changing a header comment:
#   sh tests/support/api_doc.sh markdown . > docs/api/reference.md
set -u
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
LC_ALL=C
export LC_ALL
mode=${1:-}
src=${2:-}
cc=${3:-}
case "$mode" in
list | check | markdown | diff) ;;
*)
	echo "usage: api_doc.sh list|check|markdown|diff SOURCE_DIR [CC]" >&2
	exit 2
	;;
esac
[ -n "$src" ] && [ -d "$src/include/ptsim" ] || {
	echo "api_doc.sh: $src: no include/ptsim here" >&2
	exit 2
}
cd "$src" || exit 2
headers=$(ls include/ptsim/*.h include/ptsim/*.h.in)

if [ "$mode" = diff ]; then
	want=$(mktemp) || exit 1
	trap 'rm -f "$want"' EXIT
	sh "$self" markdown . >"$want" || exit 1
	if ! cmp -s "$want" docs/api/reference.md; then
		echo "docs/api/reference.md is stale; regenerate it with:"
		echo "  sh tests/support/api_doc.sh markdown . > docs/api/reference.md"
		diff docs/api/reference.md "$want"
		exit 1
	fi
	echo "api reference ok ($(wc -l <"$want") lines)"
	exit 0
fi

# shellcheck disable=SC2086 # $headers: file names without spaces
awk -v mode="$mode" '
function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }

# s contains name as a whole identifier
function names(s, name,    i, rest, before, after, n) {
	rest = s
	n = length(name)
	while ((i = index(rest, name)) > 0) {
		before = i > 1 ? substr(rest, i - 1, 1) : ""
		after = substr(rest, i + n, 1)
		if (before !~ /[A-Za-z0-9_]/ && after !~ /[A-Za-z0-9_]/)
			return 1
		rest = substr(rest, i + n)
	}
	return 0
}

# The text of a comment without its delimiters and leading stars.
function comment_body(raw,    nl, lines, i, l, out, first, last) {
	nl = split(raw, lines, "\n")
	for (i = 1; i <= nl; i++) {
		l = lines[i]
		sub(/[ \t]*\*\/[ \t]*$/, "", l)
		if (i == 1)
			sub(/^[ \t]*\/\*\*?/, "", l)
		else
			sub(/^[ \t]*\*/, "", l)
		sub(/^ /, "", l)
		sub(/[ \t]+$/, "", l)
		lines[i] = l
	}
	first = 1
	while (first <= nl && lines[first] == "")
		first++
	last = nl
	while (last >= first && lines[last] == "")
		last--
	out = ""
	for (i = first; i <= last; i++)
		out = out (i > first ? "\n" : "") lines[i]
	return out
}

# Backslash-escape what Markdown would read as markup, for prose and tables.
function md(s,    out, i, c, p, q, n) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "_") {
			p = i > 1 ? substr(s, i - 1, 1) : ""
			q = substr(s, i + 1, 1)
			if (p ~ /[A-Za-z0-9]/ && q ~ /[A-Za-z0-9]/)
				out = out c
			else
				out = out "\\" c
		} else if (index("\\`*<>|[]", c))
			out = out "\\" c
		else
			out = out c
	}
	return out
}

# The one-line summary of a comment: its first paragraph (up to a blank line
# or an @argument line), without a leading "name() - ", to the first full stop.
function summary(body,    nl, lines, i, s, j, head) {
	nl = split(body, lines, "\n")
	s = ""
	for (i = 1; i <= nl; i++) {
		if (lines[i] == "" || lines[i] ~ /^@/ || lines[i] ~ /^Return:/)
			break
		s = s (s == "" ? "" : " ") trim(lines[i])
	}
	j = index(s, " - ")
	if (j > 0) {
		head = substr(s, 1, j - 1)
		if (head ~ /^[A-Za-z0-9_<>]+\(\)([ ,\/]+(and +)?[A-Za-z0-9_<>]+\(\))*$/)
			s = substr(s, j + 3)
	}
	return first_sentence(s)
}

# Up to the first full stop followed by a capital (not "..", not "e.g. x").
function first_sentence(s,    i, n) {
	n = length(s)
	for (i = 2; i < n - 1; i++)
		if (substr(s, i, 2) == ". " && substr(s, i - 1, 1) != "." && substr(s, i + 2, 1) ~ /[A-Z]/)
			return substr(s, 1, i)
	return s
}

function anchor_of(h,    a) {
	a = h
	gsub(/[^A-Za-z0-9]+/, "-", a)
	return a
}

function fail(file, line, msg) {
	if (mode == "check")
		printf "%s:%d: %s\n", file, line, msg
	else
		printf "%s:%d: %s\n", file, line, msg > "/dev/stderr"
	bad++
}

FNR == 1 {
	nfiles++
	file[nfiles] = FILENAME
	hname = FILENAME
	sub(/^include\//, "", hname)
	sub(/\.in$/, "", hname)
	header[nfiles] = hname
	base = hname
	sub(/^.*\//, "", base)
	incomment = 0; indecl = 0; prevcont = 0; cend = -1; dend = -1; dunit = 0
	inmacro = 0
}

{
	line = $0
	cont = (line ~ /\\[ \t]*$/)
	if (!prevcont) {
		inmacro = 0
		if (line ~ /^[ \t]*#[ \t]*define[ \t]+[A-Za-z_0-9]+\(/) {
			inmacro = 1
			mstart = FNR
			m = line
			sub(/^[ \t]*#[ \t]*define[ \t]+/, "", m)
			mname = m
			sub(/\(.*/, "", mname)
			mparam = m
			sub(/^[^(]*\(/, "", mparam)
			sub(/\).*/, "", mparam)
			mparam = trim(mparam)
			if (mparam !~ /^[A-Za-z_][A-Za-z_0-9]*$/)
				mparam = ""
			listitems[mname] = ""
		}
	}
	# X-macro lists: X(word) items of a one-parameter macro.
	if (inmacro && mparam != "") {
		rest = line
		if (FNR == mstart)
			sub(/^[^)]*\)/, "", rest)
		while (match(rest, mparam "\\([A-Za-z_0-9]+[,)]")) {
			w = substr(rest, RSTART + length(mparam) + 1, RLENGTH - length(mparam) - 2)
			listitems[mname] = listitems[mname] " " w
			rest = substr(rest, RSTART + RLENGTH)
		}
	}

	if (incomment) {
		cbuf = cbuf "\n" line
		if (index(line, "*/")) {
			incomment = 0
			cend = FNR
			ctext = cbuf
			if (fsum[nfiles] == "" && index(comment_body(cbuf), base " - ") == 1)
				fsum[nfiles] = comment_body(cbuf)
		}
		prevcont = cont
		next
	}
	if (line ~ /^[ \t]*\/\*/) {
		cbuf = line
		if (index(substr(line, index(line, "/*") + 2), "*/")) {
			cend = FNR
			ctext = cbuf
			if (fsum[nfiles] == "" && index(comment_body(cbuf), base " - ") == 1)
				fsum[nfiles] = comment_body(cbuf)
		} else
			incomment = 1
		prevcont = cont
		next
	}

	if (!indecl && line ~ /^[ \t]*PTSIM_API[ \t]/) {
		indecl = 1
		dstart = FNR
		dtext = ""
		dtemplate = inmacro && FNR != mstart
	}
	if (indecl) {
		l = line
		sub(/\\[ \t]*$/, "", l)
		dtext = dtext " " l
		if (index(line, ";")) {
			indecl = 0
			declare(dtext, dstart, FNR, dtemplate)
		}
		prevcont = cont
		next
	}

	# LIST(TEMPLATE): the template declared once per item of LIST.
	if (!inmacro && line ~ /^[ \t]*[A-Za-z_][A-Za-z_0-9]*[ \t]*\([ \t]*[A-Za-z_][A-Za-z_0-9]*[ \t]*\)[ \t]*;?[ \t]*$/) {
		l = line
		gsub(/[ \t;]/, "", l)
		lst = l
		sub(/\(.*/, "", lst)
		arg = l
		sub(/^[^(]*\(/, "", arg)
		sub(/\)$/, "", arg)
		if ((arg in tmpl_unit) && (lst in listitems) && listitems[lst] != "") {
			u = tmpl_unit[arg]
			ulist[u] = lst
			nw = split(listitems[lst], ws, " ")
			for (k = 1; k <= nw; k++) {
				nm = tmpl_pre[arg] ws[k] tmpl_post[arg]
				nfn[u]++
				fn[u, nfn[u]] = nm
				fline[u, nfn[u]] = FNR
				uitem[u, nfn[u]] = ws[k]
				nall++
				allname[nall] = nm
				allloc[nall] = FILENAME ":" FNR
			}
		}
	}
	prevcont = cont
}

# A declaration from line s to e (text t): find its comment, record it.
function declare(t, s, e, template,    proto, name, disp, anchor, u, pre, post, p) {
	proto = t
	gsub(/[ \t]+/, " ", proto)
	proto = trim(proto)
	sub(/^PTSIM_API /, "", proto)
	gsub(/\( /, "(", proto)
	gsub(/ \)/, ")", proto)
	sub(/;.*/, ";", proto)
	p = proto
	gsub(/PTSIM_MUST_CHECK|PTSIM_PRINTF\([^)]*\)/, "", p)
	if (!match(p, /[A-Za-z_][A-Za-z_0-9#]*[ ]*\(/)) {
		fail(FILENAME, s, "cannot read the function name of this PTSIM_API declaration")
		return
	}
	name = substr(p, RSTART, RLENGTH - 1)
	sub(/ +$/, "", name)
	disp = name
	if (template) {
		if (mparam == "" || !index(name, "##" mparam)) {
			fail(FILENAME, s, "PTSIM_API in a macro must paste the parameter of its #define")
			return
		}
		pre = substr(name, 1, index(name, "##" mparam) - 1)
		post = substr(name, index(name, "##" mparam) + 2 + length(mparam))
		sub(/^##/, "", post)
		disp = pre "<" mparam ">" post
		gsub("##" mparam, "<" mparam ">", proto)
	}
	anchor = template ? mstart : s

	if (cend == anchor - 1) {
		nunits++
		u = nunits
		ufile[u] = nfiles
		ucomment[u] = comment_body(ctext)
		uline[u] = s
	} else if (!template && dend == anchor - 1 && dunit > 0) {
		u = dunit
	} else {
		fail(FILENAME, s, disp ": no comment directly above the declaration")
		dend = e; dunit = 0
		return
	}
	if (!names(ucomment[u], disp))
		fail(FILENAME, s, disp ": the comment above the declaration does not name it")
	nproto[u]++
	proto_of[u, nproto[u]] = proto
	ndisp[u]++
	disp_of[u, ndisp[u]] = disp
	if (template) {
		tmpl_unit[mname] = u
		tmpl_pre[mname] = pre
		tmpl_post[mname] = post
		utemplate[u] = mname
		uparam[u] = mparam
	} else {
		nfn[u]++
		fn[u, nfn[u]] = name
		fline[u, nfn[u]] = s
		nall++
		allname[nall] = name
		allloc[nall] = FILENAME ":" s
	}
	dend = e
	dunit = template ? 0 : u
}

END {
	if (mode == "list") {
		for (i = 1; i <= nall; i++)
			print allloc[i] ": " allname[i]
		exit 0
	}
	if (mode == "check") {
		if (bad) {
			printf "api_doc: %d problem%s: every PTSIM_API function needs a comment directly above it that names it\n", bad, bad == 1 ? "" : "s"
			exit 1
		}
		printf "api_doc: %d exported functions in %d headers, each with its comment\n", nall, nfiles
		exit 0
	}
	if (bad)
		exit 1
	# mode == "markdown"
	print "# API reference"
	print ""
	print "<!-- Generated by tests/support/api_doc.sh from the comments of include/ptsim/; do not edit."
	print "     Regenerate: sh tests/support/api_doc.sh markdown . > docs/api/reference.md -->"
	print ""
	print "Every function libptsim exports (the `PTSIM_API` declarations of"
	print "`include/ptsim/*.h`), header by header, with the comment written above its"
	print "declaration. `#include <ptsim/ptsim.h>` includes every header. The rules"
	print "all calls share - errors and `ptsim_errmsg()`, all-or-nothing calls,"
	print "ownership, threads, the ABI policy - are in [conventions.md](conventions.md)."
	print "Static inline helpers, types and constants are documented in the headers"
	print "themselves; the entry helpers are tabulated in [../helpers.md](../helpers.md)."
	print ""
	print "| header | functions | what it covers |"
	print "|---|---|---|"
	for (f = 1; f <= nfiles; f++) {
		cnt = 0
		for (u = 1; u <= nunits; u++)
			if (ufile[u] == f)
				for (k = 1; k <= nfn[u]; k++)
					cnt++
		fcount[f] = cnt
		if (!cnt)
			continue
		s = summary(fsum[f])
		sub(/^[^ ]* - /, "", s)
		printf "| [%s](#%s) | %d | %s |\n", header[f], anchor_of(header[f]), cnt, md(s)
	}
	for (f = 1; f <= nfiles; f++) {
		if (!fcount[f])
			continue
		print ""
		printf "<a id=\"%s\"></a>\n\n", anchor_of(header[f])
		printf "## %s\n\n", header[f]
		# The opening comment: its first paragraph as prose, the rest as written.
		nl = split(fsum[f], para, "\n")
		s = ""
		for (i = 1; i <= nl && para[i] != ""; i++)
			s = s (s == "" ? "" : " ") trim(para[i])
		sub(/^[^ ]* - /, "", s)
		print md(toupper(substr(s, 1, 1)) substr(s, 2))
		print ""
		while (i <= nl && para[i] == "")
			i++
		if (i <= nl) {
			print "```text"
			for (; i <= nl; i++)
				print para[i]
			print "```"
			print ""
		}
		print "| function | summary |"
		print "|---|---|"
		for (u = 1; u <= nunits; u++) {
			if (ufile[u] != f)
				continue
			for (k = 1; k <= nfn[u]; k++)
				printf "| [`%s()`](#%s) | %s |\n", fn[u, k], fn[u, k], md(summary(ucomment[u]))
		}
		for (u = 1; u <= nunits; u++) {
			if (ufile[u] != f)
				continue
			print ""
			for (k = 1; k <= nfn[u]; k++)
				printf "<a id=\"%s\"></a>\n", fn[u, k]
			if (nfn[u])
				print ""
			h = ""
			for (k = 1; k <= ndisp[u]; k++)
				h = h (k > 1 ? ", " : "") "`" disp_of[u, k] "()`"
			printf "### %s\n\n", h
			print "```c"
			for (k = 1; k <= nproto[u]; k++)
				print proto_of[u, k]
			print "```"
			print ""
			if (utemplate[u] != "") {
				if (ulist[u] != "") {
					printf "Declared by `%s` for each `<%s>` of `%s`:\n", utemplate[u], uparam[u], ulist[u]
					s = ""
					for (k = 1; k <= nfn[u]; k++)
						s = s (k > 1 ? ", " : "") "`" fn[u, k] "()`"
					print s "."
				} else
					printf "Declared by the macro `%s`.\n", utemplate[u]
				print ""
			}
			print "```text"
			print ucomment[u]
			print "```"
		}
	}
}
' $headers || exit 1

if [ "$mode" = check ] && [ -n "$cc" ]; then
	# The functions the compiler sees exported, header by header.
	seen=$(mktemp) && found=$(mktemp) || exit 1
	trap 'rm -f "$seen" "$found"' EXIT
	for h in $headers; do
		[ "$h" = include/ptsim/ptsim.h ] && continue # the umbrella: includes the generated version.h
		"$cc" -E -P -DPTSIM_BUILDING_LIBRARY -Iinclude -x c "$h" || exit 1
	done | awk '
	BEGIN { RS = ";" }
	index($0, "visibility(\"default\")") {
		s = $0
		gsub(/\n/, " ", s)
		sub(/.*[{}]/, "", s)
		while (match(s, /__attribute__ *\(\(([^()]|\([^()]*\))*\)\)/))
			s = substr(s, 1, RSTART - 1) " " substr(s, RSTART + RLENGTH)
		if (match(s, /[A-Za-z_][A-Za-z_0-9]*[ \t]*\(/)) {
			n = substr(s, RSTART, RLENGTH - 1)
			sub(/[ \t]+$/, "", n)
			print n
		}
	}' | sort -u >"$seen"
	sh "$self" list . | sed 's/^.*: //' | sort -u >"$found"
	if ! cmp -s "$seen" "$found"; then
		echo "api_doc: the exported functions the compiler sees (<) differ from those found in the headers (>):"
		diff "$seen" "$found"
		exit 1
	fi
	echo "api_doc: the compiler sees the same $(wc -l <"$seen") exported functions"
fi
exit 0
