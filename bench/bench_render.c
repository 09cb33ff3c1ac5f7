/*
 * bench_render.c - how soon a big message shows its first lines.
 *
 * Builds a 10 MB message (a text part, then large base64 attachments,
 * one of them a forwarded message with its own attachment), and times
 * mime_render() from the bytes to the first rows the pager can paint,
 * then a re-wrap for a resized window.  A second run uses a 10 MB
 * message that is mostly one text part, where everything must be
 * converted.  The goal (issue 5): first lines within 100 ms for the
 * message with large attachments.
 *
 *     make bench-render
 *     ./bench/bench_render [RUNS [attachments|text]]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "message/mime_render.h"

#define BENCH_SIZE (10u * 1024 * 1024)
#define BENCH_GOAL_MS 100.0

/* Milliseconds since some fixed point. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Append n bytes of base64 lines (76 columns) of pseudo-random data. */
static void
bench_base64(GString *m, size_t n, unsigned seed)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		g_string_append_c(m, b64[(seed >> 16) & 63]);
		if (i % 76 == 75)
			g_string_append_c(m, '\n');
	}
	g_string_append_c(m, '\n');
}

/* A message with a short text and ~10 MB of attachments. */
static GString *
bench_attachments(void)
{
	GString *m = g_string_new(
	    "From: Alice <alice@example.org>\nTo: bob@example.org\n"
	    "Subject: =?utf-8?Q?Quarterly_report_=E2=80=94_with_data?=\n"
	    "Date: Mon, 01 Jan 2024 10:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=outer\n\n"
	    "--outer\nContent-Type: text/plain; charset=utf-8; "
	    "format=flowed\n\n"
	    "Hello Bob, \nthe report and the raw data are attached.\n\n"
	    "> Can you send the numbers? \n> Thanks.\n-- \nAlice\n");
	int i;

	for (i = 0; i < 3; i++) {
		g_string_append_printf(m,
		    "--outer\nContent-Type: application/pdf; name=\"r%d.pdf\"\n"
		    "Content-Disposition: attachment; filename=\"r%d.pdf\"\n"
		    "Content-Transfer-Encoding: base64\n\n",
		    i, i);
		bench_base64(m, BENCH_SIZE / 4, i + 1);
	}
	g_string_append(m,
	    "--outer\nContent-Type: message/rfc822\n\n"
	    "From: Carol <carol@example.org>\nSubject: the data\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=in\n\n"
	    "--in\nContent-Type: text/plain\n\nForwarded data.\n"
	    "--in\nContent-Type: application/zip\n"
	    "Content-Transfer-Encoding: base64\n\n");
	bench_base64(m, BENCH_SIZE - m->len - 100, 7);
	g_string_append(m, "--in--\n\n--outer--\n");
	return m;
}

/* A message that is one 10 MB text part. */
static GString *
bench_text(void)
{
	GString *m =
	    g_string_new("From: a@example.org\nSubject: long\n"
			 "Content-Type: text/plain; charset=utf-8\n\n");
	int n = 0;

	while (m->len < BENCH_SIZE)
		g_string_append_printf(m,
		    "Line %d of a long text, with a URL https://example.org/%d "
		    "and some words: Grüße, 王伟.\n",
		    n, n),
		    n++;
	return m;
}

/* Time one message; returns the ms to its first rows. */
static double
bench_one(const char *name, GString *m, int runs)
{
	struct render_opts o = { .width = 80, .no_mailcap = 1, .no_verify = 1 };
	double best = 1e9, wrap = 1e9;
	int i;

	for (i = 0; i < runs; i++) {
		double t0 = bench_now(), t1, t2;
		struct render *r = mime_render(m->str, m->len, &o);

		t1 = bench_now();
		if (render_count(r) == 0) {
			fprintf(stderr, "%s: no rows\n", name);
			exit(1);
		}
		render_set_width(r, 120);
		t2 = bench_now();
		if (t1 - t0 < best)
			best = t1 - t0;
		if (t2 - t1 < wrap)
			wrap = t2 - t1;
		if (i == runs - 1)
			printf("%-28s %6.1f MB  first rows %8.2f ms  re-wrap "
			       "%7.2f ms  (%zu rows, %zu attachments)\n",
			    name, m->len / 1048576.0, best, wrap,
			    render_count(r), render_attachment_count(r));
		render_free(r);
	}
	return best;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	const char *which = argc > 2 ? argv[2] : "";
	GString *a = bench_attachments(), *t = bench_text();
	double ms = 0;

	if (runs < 1)
		runs = 1;
	if (strcmp(which, "text") != 0)
		ms = bench_one("10 MB, large attachments", a, runs);
	if (strcmp(which, "attachments") != 0)
		bench_one("10 MB, one text part", t, runs);
	printf("goal: first rows of the attachment message within %.0f ms: "
	       "%s\n",
	    BENCH_GOAL_MS, ms <= BENCH_GOAL_MS ? "met" : "NOT met");
	g_string_free(a, TRUE);
	g_string_free(t, TRUE);
	return ms <= BENCH_GOAL_MS ? 0 : 1;
}
